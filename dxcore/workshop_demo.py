"""The demo municipality's workshop: a staff training session still open, fourteen answers in.

The mayor's office sees things rosier than the front line (the article's
「トップと現場で認識がズレる」), so the projector has a gap to show as soon as the
facilitator reveals the results.  Nothing of it is in the history until it is closed.
"""

from __future__ import annotations

from sqlalchemy import Engine

from dxcore.store import repo_workshop as wrepo

TITLE = "庁内DX研修(デモ)"
# (role, people, target risk per pattern P1…P7)
ROOM = (
    ("executive", 4, (35, 40, 50, 30, 30, 40, 45)),
    ("frontline", 7, (75, 80, 65, 60, 70, 70, 55)),
    ("dx_office", 3, (60, 70, 70, 55, 50, 65, 50)),
)


def seed(engine: Engine, org_id: int) -> wrepo.WorkshopRecord:
    from dxcore.demo import answers_for  # the demo's own answer maker (it imports this module)

    record = wrepo.create_workshop(engine, org_id, TITLE, "pulse")
    n = 0
    for role, people, targets in ROOM:
        for _ in range(people):
            n += 1
            wrepo.submit(engine, record.code, f"demo-participant-{n:03d}", role,
                         answers_for(targets, "pulse", seed=100 + n))
    return record
