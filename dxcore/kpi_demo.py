"""Monthly KPI data of the demo municipality サンプル市: two 年度 that tell the restart story.

Five departments report every month, from April of the previous 年度 to last month
(the whole organisation, 全庁, reports the counts it keeps centrally).  The first 年度 is
complete, so it is every process's baseline, except 福祉課's, measured by hand in the
棚卸し (S1) and set on the settings screen, and 子育て支援課's new online review, which
has no baseline yet and is left out of the reduction.

The story: in 税務課 an RPA rollout (the month the demo plan completes its RPA item,
about six months ago) halves the time per case within a quarter; online applications
climb from about 15 % to about 45 % while procedures are put online; 市民課 opens a
書かない窓口 and waiting times fall; a FAQ chatbot lifts self-resolution, so total
inquiries rise a little while the staff's share falls; e-approval and generative AI
(after its usage rules) spread, printing and overtime fall; implemented improvements
start sporadic and then never stop; more fixes are made in-house and vendor change costs
fall; rule changes reach the workflow faster.  The data goes through the same import as
a user's file (one upload named 「デモデータ」), with targets for both 年度, the city's
own pay basis for the hourly rate, and its survey names.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import pandas as pd

from dxcore.kpi import PayBasis, add_months, fiscal_start, month_start
from dxcore.periods import fiscal_year
from dxcore.plan_demo import RPA_DONE_DAYS_AGO
from dxcore.sheets import Parsed
from dxcore.store import repo_kpi

FILE_NAME = "デモデータ"
RPA_DEPARTMENT = "税務課"
WHOLE = "全庁"
PAY_BASIS = PayBasis(6_150_000.0, 0.165, 1_860.0)  # サンプル市's own figures: 3,852 円/時間
RESIDENT_SURVEY = "窓口アンケート(来庁者・毎月)"
STAFF_SURVEY = "職員DX意識調査(6月・12月)"
# department: (processes {name: (cases / month, hours per case)}, applications, inquiries, staff, visitors)
DEPARTMENTS = {
    "市民課": ({"証明書の交付": (1500, 0.20), "転入・転出": (900, 0.60)}, 1800, 900, 32, 2600),
    "税務課": ({"": (1500, 0.80)}, 700, 650, 28, 900),
    "子育て支援課": ({"": (600, 0.90)}, 450, 400, 18, 700),
    "福祉課": ({"": (700, 1.10)}, 380, 520, 24, 800),
    "総務課": ({"": (300, 0.60)}, 60, 120, 20, 100),
}
WELFARE_BASELINE = ("福祉課", "", 1.15)  # measured in the 棚卸し before the data starts
NEW_PROCESS = ("子育て支援課", "オンライン申請の審査")  # started this 年度: no complete 年度 yet
NO_FORM_COUNTER = "市民課"
TARGETS = {  # 年度 offset (0 = the first demo 年度): {kpi: target}
    0: {"online_rate": 0.25, "online_procedure_rate": 0.35, "self_resolution_rate": 0.20,
        "resident_satisfaction_top2": 0.55, "resident_satisfaction": 3.4, "time_reduction_rate": 0.02,
        "automated_processes": 2, "improvement_streak": 3, "training_rate": 0.50, "staff_cost_equivalent": 1_000_000,
        "e_approval_rate": 0.30, "genai_user_rate": 0.10, "overtime_per_staff": 14.0},
    1: {"online_rate": 0.40, "online_procedure_rate": 0.60, "self_resolution_rate": 0.30,
        "resident_satisfaction_top2": 0.65, "resident_satisfaction": 3.7, "time_reduction_rate": 0.15,
        "automated_processes": 6, "improvement_streak": 6, "training_rate": 0.80, "staff_cost_equivalent": 2_500_000,
        "e_approval_rate": 0.60, "genai_user_rate": 0.35, "overtime_per_staff": 12.0,
        "staff_handled_inquiries": 2_000, "counter_wait": 12.0, "no_form_counter_rate": 0.30,
        "printed_pages": 120_000, "vendor_change_cost": 600_000, "cross_dept_projects": 4,
        "law_change_lead_time": 14.0, "staff_satisfaction": 0.60},
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
    this_year = months.index(fiscal_start(fiscal_year(months[-1])))
    rows = []

    def add(m, dept, process, values):
        for measure, value in values.items():
            if value is not None:
                rows.append({"month": pd.Timestamp(m), "department": dept, "process": process, "measure": measure,
                             "value": float(value), "row": 0, "column": measure})

    trained_so_far: dict[str, int] = {}
    for i, m in enumerate(months):
        progress = i / max(n - 1, 1)  # 0 → 1 over the demo period
        later = max(0.0, (i - this_year) / max(n - 1 - this_year, 1))  # 0 → 1 over this 年度
        season = 1.25 if m.month in (3, 4) else 1.0  # moving season at the counters
        if m.month == 4:
            trained_so_far = {}
        for dept, (processes, apps0, inq0, staff, visitors0) in DEPARTMENTS.items():
            noise = lambda spread=0.06: 1 + rng.uniform(-spread, spread)  # noqa: E731
            for process, (cases0, tpc0) in processes.items():
                cases = round(cases0 * season * noise())
                tpc = tpc0 * (1 - 0.08 * progress)
                if dept == RPA_DEPARTMENT and i >= rpa_from:
                    tpc = tpc0 * max(0.5, 1 - 0.5 * min(1, (i - rpa_from + 1) / 3))
                add(m, dept, process, {"cases": cases, "hours": round(cases * tpc * noise(0.04), 1)})
            if dept == NEW_PROCESS[0] and i >= this_year + 2:
                cases = round(80 * noise())
                add(m, dept, NEW_PROCESS[1], {"cases": cases, "hours": round(cases * 0.5 * noise(0.05), 1)})
            total_apps = round(apps0 * season * noise())
            online = round(total_apps * min(0.9, (0.15 + 0.30 * progress) * noise(0.1)))
            inquiries = round(inq0 * noise() * (1 + 0.08 * progress))  # the chatbot makes asking easy
            chatbot = 0.05 + (0.25 * min(1, max(0, i - 3) / 9) if dept in ("市民課", "子育て支援課") else 0.10 * progress)
            automations = 0
            saved = 0.0
            processes_automated = 0
            if dept == RPA_DEPARTMENT and i >= rpa_from:
                cases = sum(c for c, _ in processes.values())
                automations = round(cases * 0.6 * noise())
                saved = round(cases * processes[""][1] * 0.5 * min(1, (i - rpa_from + 1) / 3), 1)
                processes_automated = 1 + min(2, (i - rpa_from) // 2)
            elif progress > 0.4:
                automations = round(sum(c for c, _ in processes.values()) * 0.05 * progress * noise(0.3))
                saved = round(automations * 0.15, 1)
                processes_automated = 1 if progress > 0.6 else 0
            visitors = round(visitors0 * season * (1 - 0.25 * progress) * noise())
            no_form = None
            if dept == NO_FORM_COUNTER:
                no_form = round(visitors * min(0.40, max(0.0, (i - 11) * 0.05)) * noise(0.05)) if i >= 12 else 0
            wait = None
            if dept in ("市民課", "税務課", "福祉課"):
                base_wait = {"市民課": 18.0, "税務課": 9.0, "福祉課": 12.0}[dept]
                wait = round(base_wait * (1.5 if m.month in (3, 4) else 1.0) * (1 - 0.35 * progress) * noise(0.08), 1)
            sat_n = rng.randint(12, 28) if dept == "総務課" else rng.randint(40, 160)  # 総務課: few visitors
            mean = min(5, 3.1 + 0.6 * progress + rng.uniform(-0.08, 0.08))
            top2 = round(sat_n * min(0.95, max(0.05, (mean - 1) / 4 + rng.uniform(-0.03, 0.03))))
            e_share = min(0.85, 0.08 + 0.7 * progress * noise(0.05)) if i >= 3 else 0.0
            approvals = round(staff * 11 * noise())
            overtime_base = 30.0 if dept == RPA_DEPARTMENT and m.month in (2, 3) else 14.0
            if dept == RPA_DEPARTMENT and i >= rpa_from:
                overtime_base *= 0.8
            trainings = round(staff * rng.uniform(0.05, 0.2))
            so_far = min(staff, trained_so_far.get(dept, 0) + max(0, trainings - rng.randint(0, 2)))
            trained_so_far[dept] = so_far
            genai = round(staff * min(0.6, 0.08 + 0.35 * later) * noise(0.1)) if i >= this_year + 3 else 0
            survey_month = m.month in (6, 12)
            proposals = rng.choice((0, 0, 1)) if i < 4 else rng.randint(1, 4)
            done = rng.choice((0, 1)) if i < 4 else max(1, proposals - rng.randint(0, 1))
            add(m, dept, "", {
                "online_apps": online, "total_apps": total_apps, "inquiries": inquiries,
                "self_resolved": round(inquiries * chatbot * noise(0.1)), "visitors": visitors,
                "no_form_visitors": no_form, "wait_minutes": wait,
                "resident_sat": round(mean, 2), "resident_sat_n": sat_n, "resident_sat_top2": top2,
                "approvals_electronic": round(approvals * e_share), "approvals_total": approvals,
                "prints": round(staff * 1500 * (1 - 0.3 * progress) * noise()),
                "overtime_hours": round(staff * overtime_base * (1 - 0.1 * progress) * noise(0.1), 1),
                "staff": staff, "trained": trainings, "trained_ytd": so_far, "genai_users": genai,
                "staff_sat_top2": round(staff * 0.8 * (0.45 + 0.2 * progress)) if survey_month else None,
                "staff_sat_n": round(staff * 0.8) if survey_month else None,
                "automated_processes": processes_automated, "automations": automations, "hours_saved": saved,
                "proposals": proposals, "improvements_done": min(done, proposals) if i >= 4 else 0,
                "inhouse_changes": rng.randint(0, 1) if progress < 0.5 else rng.randint(1, 3),
            })
        # counted once for the whole organisation
        law = rng.choice((0, 1, 1, 2))
        add(m, WHOLE, "", {
            "procedures_online": round(30 + 50 * progress), "procedures_target": 120,
            "cross_dept_projects": 1 + round(3 * progress),
            "vendor_change_cost": round(1_800_000 * (1 - 0.6 * progress) * noise(0.2), -3) if m.month % 3 == 0 else 0,
            "law_changes": law,
            "law_change_days": sum(max(0, round(rng.gauss(40 - 30 * progress, 8))) for _ in range(law)),
        })
    df = pd.DataFrame(rows)
    df["month"] = df["month"].astype("datetime64[s]")
    return df


def seed_demo_kpis(engine, org_id: int, today: date) -> None:
    """Load the demo's monthly data, targets, baselines and settings (through the normal import)."""
    values = demo_values(today)
    rows = len(values[["month", "department", "process"]].drop_duplicates())
    sha = hashlib.sha256(values.to_csv(index=False).encode("utf-8")).hexdigest()
    parsed = Parsed(FILE_NAME, sha, "xlsx", None, "wide", rows, values, ())
    repo_kpi.import_frame(engine, org_id, parsed, source="demo")
    first_fy = fiscal_year(demo_months(today)[0])
    for offset, targets in TARGETS.items():
        repo_kpi.save_targets(engine, org_id, first_fy + offset, targets)
    repo_kpi.save_settings(engine, org_id, pay_basis=PAY_BASIS, resident_survey=RESIDENT_SURVEY,
                           staff_survey=STAFF_SURVEY)
    department, process, hours = WELFARE_BASELINE
    repo_kpi.save_baselines(engine, org_id, {(department, process): hours})
