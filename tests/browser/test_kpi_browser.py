"""Monthly KPIs in a real browser.

- download the template from the page, fill two months with openpyxl, upload it through
  the page, confirm, see the chart — and nothing is fetched from outside the server;
- the demo dashboard on a phone (390 × 844) and a desktop (1400 × 1000): compact cards
  (two to a row on the phone, the month said once), the month labels and the 年月 title
  below the plot, numbered events and target labels that never overlap, the department
  chart on the trend's ticks, 和暦 axes, no "None" and no "-0.00";
- the targets editor shows every KPI without an inner scroll, and the upload's problem
  list wraps 「内容と直し方」 where a phone can see it.

Screenshots: test-artifacts/kpi-*.png.
"""

from datetime import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from dxcore import charts_kpi, demo, kpi, kpi_demo
from dxcore.periods import TOKYO
from dxcore.store import engine as engine_mod
from dxcore.store import repo, repo_kpi

from .conftest import ROOT, wait_idle

pytestmark = pytest.mark.browser

# the geometry of a Vega chart as the browser drew it (SVG): the plot, the x axis, the texts
CHART_GEOMETRY = """chart => {
  const box = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const svg = chart.querySelector('svg.marks');
  const plot = svg.querySelector('g.role-frame.root path.background');
  const xaxis = [...svg.querySelectorAll('g.role-axis')].find(a => (a.getAttribute('aria-label') || '')
                                                                    .startsWith('X-axis'));
  const shown = t => t.textContent.trim() && t.getAttribute('opacity') !== '0'
                     && getComputedStyle(t).opacity !== '0';  // Vega hides a label it drops
  const texts = g => [...g.querySelectorAll('text')].filter(shown).map(t => ({text: t.textContent, ...box(t)}));
  return {plot: box(plot),
          labels: texts(xaxis.querySelector('g.role-axis-label')),
          title: texts(xaxis.querySelector('g.role-axis-title')),
          marks: [...svg.querySelectorAll('g.mark-text.role-mark')].flatMap(texts)};
}"""


def demo_db(tmp_path):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    return db, demo.load_demo(db)


def latest_month() -> str:
    return kpi.month_label(kpi_demo.demo_months(datetime.now(TOKYO).date())[-1])


def expected_ticks(width: int, wareki: bool = False) -> list[str]:
    """The month labels the demo's charts should show, as the SVG reads them (two lines run
    together): every tick on a desktop, every other one on a phone."""
    months = kpi_demo.demo_months(datetime.now(TOKYO).date())
    ticks = charts_kpi.month_ticks(months[0], months[-1])
    out, year = [], None
    for d in ticks[::2] if width < 600 and len(ticks) > 4 else ticks:
        out.append(f"{d.month}月" + (kpi.year_label(d, "ja", wareki) if d.year != year else ""))
        year = d.year
    return out


def open_page(pg, url: str) -> None:
    pg.goto(url)
    wait_idle(pg)
    expect(pg.locator('[data-testid="stMain"] h1').first).to_be_visible()
    if pg.viewport_size["width"] < 600:  # a phone: the page, not the menu (whichever way the app starts it)
        open_side = pg.locator('[data-testid="stSidebar"][data-collapsed="false"]')
        for _ in range(20):  # the page's config (sidebar state) lands with the first script run
            if open_side.count():
                open_side.locator('[data-testid="stSidebarHeader"] button').first.click()
                break
            pg.wait_for_timeout(150)
        expect(open_side).to_have_count(0)


def chart_geometry(chart) -> dict:
    expect(chart.locator("svg.marks g.role-axis-label text").first).to_be_visible()
    return chart.evaluate(CHART_GEOMETRY)


def overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["x"] + slack < b["x"] + b["w"] and b["x"] + slack < a["x"] + a["w"]
            and a["y"] + slack < b["y"] + b["h"] and b["y"] + slack < a["y"] + a["h"])


def check_trend(chart) -> list[str]:
    """The trend's month labels and title are below the plot, evenly spaced; no two texts
    drawn over the plot (年度 names, numbered events, target labels) overlap.  Returns the
    tick labels."""
    g = chart_geometry(chart)
    bottom = g["plot"]["y"] + g["plot"]["h"]
    assert g["labels"] and all(t["y"] >= bottom - 0.5 for t in g["labels"]), (g["plot"], g["labels"])
    centres = [t["x"] + t["w"] / 2 for t in g["labels"]]
    gaps = [b - a for a, b in zip(centres, centres[1:])]
    assert all(gap > 0 for gap in gaps) and max(gaps) - min(gaps) <= 0.08 * max(gaps), centres
    assert g["title"] and g["title"][0]["text"] == "年月" and g["title"][0]["y"] >= bottom
    marks = g["marks"]
    assert any(m["text"].startswith("目標") for m in marks) and any(m["text"][0].isdigit() for m in marks)
    clashes = [(a["text"], b["text"]) for i, a in enumerate(marks) for b in marks[i + 1:] if overlap(a, b)]
    assert clashes == [], clashes
    return [t["text"] for t in g["labels"]]


def test_template_fill_upload_confirm_and_chart(page, server, tmp_path, artifacts):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    org = repo.create_org(db, "ブラウザ市")

    page.goto(server.url)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("月次データの取り込み").click()
    expect(page.get_by_role("heading", name="月次データの取り込み")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.locator(".st-key-dl_template button").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    wb = load_workbook(template)
    ws = wb["月次データ"]
    header = [c.value for c in ws[1]]
    for month, cases, hours, online, total in (("2025-04", 100, 50, 10, 40), ("2025-05", 120, 48, 20, 50)):
        row = {"年月": month, "部署": "市民課", "処理件数": cases, "処理時間(時間)": hours, "電子申請件数": online,
               "申請件数(合計)": total}
        ws.append([row.get(h) for h in header])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
    expect(page.get_by_text("取り込める状態です")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="新しい値")).to_contain_text("8")
    assert repo_kpi.count_values(db, org.id) == 0  # nothing until confirmed
    page.locator(".st-key-kpi_confirm button").click()

    expect(page.get_by_role("heading", name="KPIダッシュボード")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("取り込みました").first).to_be_visible(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("電子申請利用率").first).to_be_visible()
    wait_idle(page)
    assert repo_kpi.count_values(db, org.id) == 8
    page.screenshot(path=str(artifacts / "browser-kpi-dashboard.png"), full_page=True)

    assert page.outside.requests == [], f"the page fetched from outside the server: {page.outside.requests}"


@pytest.mark.parametrize("width", [390, 1400])
def test_the_demo_dashboard_on_a_phone_and_a_desktop(width, page, phones, server, tmp_path, artifacts):
    demo_db(tmp_path)
    pg = phones() if width == 390 else page
    open_page(pg, f"{server.url}/kpi")
    month = latest_month()
    expect(pg.get_by_text(f"最新のデータ: {month}")).to_be_visible()

    # compact cards: several to a screen, two side by side on a phone, the month said once
    cards = pg.locator('.st-key-kpi_cards [class*="st-key-kpi_card_"]')
    expect(cards).to_have_count(len(kpi.catalogue().headline))
    boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
    rows = sorted({round(b["y"]) for b in boxes})
    per_row = max(sum(1 for b in boxes if abs(b["y"] - y) < 2) for y in rows)
    assert per_row >= (2 if width == 390 else 5), boxes
    assert max(b["height"] for b in boxes) <= 260, boxes
    sixth = sorted(boxes, key=lambda b: (b["y"], b["x"]))[5]
    assert sixth["y"] + sixth["height"] - boxes[0]["y"] <= 844  # six cards within one phone screen
    for i in range(cards.count()):
        assert month not in cards.nth(i).inner_text()
    body = pg.locator('[data-testid="stMain"]').inner_text()
    assert "None" not in body and "-0.00" not in body
    pg.screenshot(path=str(artifacts / f"kpi-dashboard-cards-{width}.png"), full_page=False)

    # the trend: labels outside the plot, nothing in the band collides
    trend = pg.get_by_role("tabpanel", name="推移").locator('[data-testid="stVegaLiteChart"]').first
    trend.scroll_into_view_if_needed()
    ticks = check_trend(trend)
    assert ticks == expected_ticks(width)  # each month once, in order (no June twice, no November missing)
    trend.screenshot(path=str(artifacts / f"kpi-trend-{width}.png"))

    # the department comparison has the trend's ticks (the same months, each once)
    pg.get_by_role("tab", name="部署の比較").click()
    lines = pg.get_by_role("tabpanel", name="部署の比較").locator('[data-testid="stVegaLiteChart"]').first
    expect(lines).to_be_visible()
    compared = chart_geometry(lines)
    assert [t["text"] for t in compared["labels"]] == ticks
    bottom = compared["plot"]["y"] + compared["plot"]["h"]
    assert all(t["y"] >= bottom - 0.5 for t in compared["labels"] + compared["title"])
    pg.locator('[data-testid="stTabs"]').screenshot(path=str(artifacts / f"kpi-compare-{width}.png"))

    # 和暦: the axes follow
    pg.get_by_role("tab", name="推移").click()
    pg.locator(".st-key-kpi_wareki label").click()
    expect(pg.get_by_text("最新のデータ: 令和")).to_be_visible()
    wait_idle(pg)
    expect(trend.locator("g.role-axis-label text").filter(has_text="令和").first).to_be_attached()
    assert check_trend(trend) == expected_ticks(width, wareki=True)
    trend.screenshot(path=str(artifacts / f"kpi-trend-wareki-{width}.png"))
    assert pg.outside.requests == []


@pytest.mark.parametrize("width", [390, 1400])
def test_the_targets_editor_shows_every_kpi_without_an_inner_scroll(width, page, phones, server, tmp_path,
                                                                      artifacts):
    demo_db(tmp_path)
    pg = phones() if width == 390 else page
    open_page(pg, f"{server.url}/kpi-settings")
    editor = pg.locator('[data-testid="stDataFrame"]').first
    expect(editor).to_be_visible()
    aimed = [k for k in kpi.catalogue().kpis if k.has_direction]
    # the grid renders only the rows it shows: every one is there, the last KPI too
    rows = editor.locator('table [role="row"]')
    expect(rows).to_have_count(len(aimed) + 1)  # and the header
    expect(editor.locator("td").filter(has_text=kpi.catalogue().kpi_index[aimed[-1].id].name["ja"])).to_have_count(1)
    scroller = editor.locator(".dvn-scroller").first
    inner, outer = scroller.evaluate("e => [e.scrollHeight, e.clientHeight]")
    assert inner <= outer + 1, (inner, outer)
    assert "None" not in editor.locator("table").inner_text()
    editor.screenshot(path=str(artifacts / f"kpi-settings-targets-{width}.png"))
    pg.get_by_text("業務時間削減率の基準値(業務ごと)").scroll_into_view_if_needed()
    expect(pg.locator('[data-testid="stDataFrame"]').nth(1).locator("td").filter(has_text="ここで設定")).to_have_count(1)
    pg.screenshot(path=str(artifacts / f"kpi-settings-baselines-{width}.png"))


@pytest.mark.parametrize("width", [390, 1400])
def test_the_upload_problem_list_wraps_what_to_do_where_a_phone_can_see_it(width, page, phones, server, tmp_path,
                                                                           artifacts):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    repo.create_org(db, "ブラウザ市")
    pg = phones() if width == 390 else page
    open_page(pg, f"{server.url}/kpi-upload")
    bad = ROOT / "tests" / "data" / "kpi_bad" / "impossible_combinations.xlsx"
    pg.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    table = pg.locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible(timeout=60_000)
    # the message is the column right after the row number, so it is in view without scrolling
    headers = table.locator('th[role="columnheader"]')
    expect(headers.nth(1)).to_have_text("内容と直し方")
    first = table.locator('td[aria-colindex="2"]').first
    expect(first).to_contain_text("自己解決件数(31)が同じ月・部署の問い合わせ件数(30、2行目)を超えています。")
    canvas_box, table_box = pg.viewport_size, table.bounding_box()
    assert table_box["x"] + table_box["width"] <= canvas_box["width"]
    table.scroll_into_view_if_needed()
    table.screenshot(path=str(artifacts / f"kpi-upload-errors-{width}.png"))
