"""The restart plan of the demo municipality サンプル市: a year of work that matches its
diagnoses (see dxcore.demo).

The DX office took stock of the work first (S1), then set KPIs for the new fiscal year
(S2); the first RPA project was finished about six months ago, just before the diagnosis
that shows P1, P2 and P6 falling.  Cutting seals and the rules for generative AI are
running late (two overdue items), vendor dependence (S5) has barely started, and the
front line added an item of its own.  Every change has its history row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from dxcore import plan
from dxcore.plan import ItemState
from dxcore.store import repo_plan
from dxcore.store.models import utcnow

# the first RPA project (S3-3, 税務課) went live this many days ago; the demo's KPI data
# (dxcore.kpi_demo) halves 税務課's time per case from that month, so the chart's
# annotation and the drop line up
RPA_DONE_DAYS_AGO = 182


@dataclass(frozen=True)
class Story:
    item: str
    status: str
    owner: str | None
    role: str
    start: int  # days ago the item was taken up
    end: int | None = None  # days ago it was completed
    due: int | None = None  # due date in days from today (negative: already past)
    note: str | None = None
    text: str | None = None  # an item サンプル市 added itself
    archived: int | None = None  # days ago it was archived


STORY: tuple[Story, ...] = (
    Story("S1-1", "done", "情報政策課 佐藤", "dx_office", 350, end=322),
    Story("S1-3", "done", "情報政策課 佐藤", "dx_office", 330, end=291,
          note="窓口業務12件の処理時間を2週間計測。1件あたり平均18分。"),
    Story("S1-5", "done", "各課DX推進リーダー", "frontline", 300, end=268),
    Story("S1-6", "done", "情報政策課 佐藤", "dx_office", 280, end=251),
    Story("S4-1", "done", "市長公室 山本", "executive", 320, end=301, note="年頭の職員訓示でDXの目標を発信。"),
    Story("S2-2", "done", "企画課 田中", "dx_office", 262, end=239),
    Story("S2-3", "done", "企画課 田中", "dx_office", 250, end=236, note="新年度の当初にKPIと目標値を決定。"),
    Story("S2-4", "doing", "企画課 田中", "dx_office", 230, due=40),
    Story("S3-1", "done", "市民課 鈴木", "frontline", 240, end=203),
    Story("S3-3", "done", "税務課 中村", "frontline", 228, end=RPA_DONE_DAYS_AGO,
          note="課税資料の入力をRPA化。1件あたりの処理時間を半分にする見込み。"),
    Story("S3-2", "doing", "総務課 高橋", "dx_office", 150, due=-24,
          note="押印を廃止する規則改正案を法規担当と調整中。"),
    Story("S3-4", "doing", "市民課 鈴木", "frontline", 120, due=70),
    Story("S4-3", "doing", "人事課 伊藤", "dx_office", 200, due=30),
    Story("S6-1", "doing", "企画課 田中", "dx_office", 210, due=125, note="毎月10日までに前月分を入力する。"),
    Story("S7-2", "done", "人事課 伊藤", "it", 170, end=118),
    Story("S7-4", "doing", "人事課 伊藤", "it", 110, due=95),
    Story("S5-4", "doing", "情報政策課 佐藤", "it", 75, due=-9),
    Story("S5-1", "todo", "情報政策課 佐藤", "it", 40, due=110),
    Story("S3-C1", "todo", "市民課 鈴木", "frontline", 58, due=150,
          text="窓口の受付票をやめ、来庁予約をオンラインで受け付ける"),
    Story("S4-4", "todo", None, "dx_office", 95, archived=95,
          note="既存の行革推進委員会で扱うため、この項目は使わない。"),
)
# (days ago, label, role)
MILESTONES = (
    (310, "DX推進本部を設置", "executive"),
    (140, "電子申請の受付開始(転入届ほか5手続)", "it"),
)


def _at(now: datetime, days_ago: int, minutes: int = 0) -> datetime:
    return now - timedelta(days=days_ago) + timedelta(minutes=minutes)


def seed(engine: Engine, org_id: int, now: datetime | None = None) -> None:
    """Store サンプル市's plan with its history (once, when the demo is created)."""
    now = now or utcnow()
    today = plan.local_today(now)
    items, events = [], []

    def event(days_ago: int, minute: int, s: Story, field: str, old, new) -> None:
        events.append({"changed_at": _at(now, days_ago, minute), "role": s.role, "item_id": s.item,
                       "field": field, "old": old, "new": new})

    for s in STORY:
        step = s.item.split("-", 1)[0]
        due = today + timedelta(days=s.due) if s.due is not None else None
        completed = plan.local_today(_at(now, s.end, 1)) if s.end is not None else None
        if s.text:
            event(s.start, 0, s, "added", None, s.text)
        if s.owner:
            event(s.start, 0, s, "owner", None, s.owner)
        if due:
            event(s.start, 0, s, "due", None, due)
        if s.status in ("doing", "done"):
            event(s.start, 0, s, "status", "todo", "doing")
        if s.note:
            event(s.end if s.end is not None else s.start, 1, s, "note", None, s.note)
        if completed:
            event(s.end, 1, s, "status", "doing", "done")
            event(s.end, 1, s, "completed_on", None, completed)
        if s.archived is not None:
            event(s.archived, 2, s, "archived", False, True)
        last = min(d for d in (s.start, s.end, s.archived) if d is not None)
        items.append((ItemState(s.item, step, s.text, s.status, s.owner, due, s.note, completed,
                                s.archived is not None), _at(now, last, 2)))
    milestones = [(plan.local_today(_at(now, d)), label, _at(now, d), role) for d, label, role in MILESTONES]
    repo_plan.import_plan(engine, org_id, items, events, milestones)
