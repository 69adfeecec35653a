"""Monthly KPI data of the demo municipality サンプル市: two 年度 that tell the restart story.

Five departments report every month, from April of the previous 年度 to last month.
In 税務課 an RPA rollout (the month the demo plan completes its RPA item, about six
months ago) halves the time per case within a quarter; e-application use climbs across the city from about 15 % to about 45 %; a FAQ
chatbot lifts self-resolution; improvement proposals start sporadic and then never stop.
The data goes through the same import as a user's file (one upload named 「デモデータ」),
with targets for both 年度 and an hourly rate.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import pandas as pd

from dxcore.kpi import add_months, fiscal_start, month_start
from dxcore.periods import fiscal_year
from dxcore.plan_demo import RPA_DONE_DAYS_AGO
from dxcore.sheets import Parsed
from dxcore.store import repo_kpi

FILE_NAME = "デモデータ"
RPA_DEPARTMENT = "税務課"
HOURLY_RATE = 3500.0
# department: (cases / month, hours per case, applications, inquiries, staff)
DEPARTMENTS = {
    "市民課": (2400, 0.35, 1800, 900, 32),
    "税務課": (1500, 0.80, 700, 650, 28),
    "子育て支援課": (600, 0.90, 450, 400, 18),
    "福祉課": (700, 1.10, 380, 520, 24),
    "総務課": (300, 0.60, 60, 120, 20),
}
TARGETS = {  # 年度 offset (0 = the first demo 年度): {kpi: target}
    0: {"online_rate": 0.25, "self_resolution_rate": 0.20, "resident_satisfaction": 3.4, "time_per_case": 0.70,
        "time_reduction_rate": 0.10, "automations": 600, "improvement_streak": 3, "training_rate": 0.08,
        "cost_saved": 1_500_000},
    1: {"online_rate": 0.40, "self_resolution_rate": 0.30, "resident_satisfaction": 3.7, "time_per_case": 0.55,
        "time_reduction_rate": 0.20, "automations": 1200, "improvement_streak": 6, "training_rate": 0.10,
        "cost_saved": 2_500_000},
}


def demo_months(today: date) -> list[date]:
    """April of the previous 年度 up to last month."""
    last = add_months(month_start(today), -1)
    first = fiscal_start(fiscal_year(last) - 1)
    out, d = [], first
    while d <= last:
        out.append(d)
        d = add_months(d, 1)
    return out


def demo_values(today: date, seed: int = 2025) -> pd.DataFrame:
    rng = random.Random(seed)
    months = demo_months(today)
    n = len(months)
    rpa_from = months.index(month_start(today - timedelta(days=RPA_DONE_DAYS_AGO)))
    rows = []
    for i, m in enumerate(months):
        progress = i / max(n - 1, 1)  # 0 → 1 over the demo period
        season = 1.25 if m.month in (3, 4) else 1.0  # moving season at the 市民課 counter and elsewhere
        for dept, (cases0, tpc0, apps0, inq0, staff) in DEPARTMENTS.items():
            noise = lambda spread=0.06: 1 + rng.uniform(-spread, spread)  # noqa: E731
            cases = round(cases0 * season * noise())
            tpc = tpc0 * (1 - 0.08 * progress)
            if dept == RPA_DEPARTMENT and i >= rpa_from:
                tpc = tpc0 * max(0.5, 1 - 0.5 * min(1, (i - rpa_from + 1) / 3))
            total_apps = round(apps0 * season * noise())
            online = round(total_apps * min(0.9, (0.15 + 0.30 * progress) * noise(0.1)))
            inquiries = round(inq0 * noise() * (1 - 0.1 * progress))
            chatbot = 0.05 + (0.25 * min(1, max(0, i - 3) / 9) if dept in ("市民課", "子育て支援課") else 0.10 * progress)
            automations = 0
            saved = 0.0
            if dept == RPA_DEPARTMENT and i >= rpa_from:
                automations = round(cases * 0.6 * noise())
                saved = round(cases * (tpc0 - tpc), 1)
            elif progress > 0.4:
                automations = round(cases * 0.05 * progress * noise(0.3))
                saved = round(automations * 0.15, 1)
            proposals = rng.choice((0, 0, 1)) if i < 4 else rng.randint(1, 4)
            values = {
                "cases": cases, "hours": round(cases * tpc * noise(0.04), 1), "online_apps": online,
                "total_apps": total_apps, "inquiries": inquiries,
                "self_resolved": round(inquiries * chatbot * noise(0.1)),
                "resident_sat": round(min(5, 3.1 + 0.6 * progress + rng.uniform(-0.08, 0.08)), 2),
                "resident_sat_n": rng.randint(40, 160), "automations": automations, "hours_saved": saved,
                "trained": round(staff * rng.uniform(0.03, 0.12)), "staff": staff, "proposals": proposals,
                "visitors": round(cases * 0.8 * (1 - 0.25 * progress) * noise()),
            }
            for measure, value in values.items():
                rows.append({"month": pd.Timestamp(m), "department": dept, "process": "", "measure": measure,
                             "value": float(value), "row": 0, "column": measure})
    df = pd.DataFrame(rows)
    df["month"] = df["month"].astype("datetime64[s]")
    return df


def seed_demo_kpis(engine, org_id: int, today: date) -> None:
    """Load the demo's monthly data, targets and hourly rate (through the normal import)."""
    values = demo_values(today)
    rows = len(values[["month", "department"]].drop_duplicates())
    sha = hashlib.sha256(values.to_csv(index=False).encode("utf-8")).hexdigest()
    parsed = Parsed(FILE_NAME, sha, "xlsx", None, "wide", rows, values, ())
    repo_kpi.import_frame(engine, org_id, parsed, source="demo")
    first_fy = fiscal_year(demo_months(today)[0])
    for offset, targets in TARGETS.items():
        repo_kpi.save_targets(engine, org_id, first_fy + offset, targets)
    repo_kpi.save_settings(engine, org_id, HOURLY_RATE, None)
