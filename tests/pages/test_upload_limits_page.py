"""The upload page with hostile files (AppTest): a file over our size limit gets a sentence
in the user's language before it is read; a hostile workbook is refused naming its sheet
and cell; a control character is listed with its place; a flood of problems lists the
first ones and says how many more — and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from dxcore import limits
from dxcore.exports import XLSX_MIME
from dxcore.store import repo
from dxcore.store.models_kpi import KpiUpload, KpiValue
from dxcore.text import escape_md
from tests.data.kpi_bad import hostile as h
from tests.pages.apptest import app, texts


def stored(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar() for t in (KpiValue, KpiUpload))


def uploaded(engine, name: str, data: bytes, lang: str | None = None):
    repo.create_org(engine, "テスト町")
    at = app()
    if lang:
        at.session_state["lang"] = lang
    at.switch_page("pages/kpi-upload.py").run()
    at.get("file_uploader")[0].set_value((name, data, XLSX_MIME if name.endswith("xlsx") else "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def problems_table(at) -> list[dict]:
    frame = next(d for d in at.dataframe if "内容と直し方" in d.value.columns)
    return [{k if k != "内容と直し方" else "メッセージ": v for k, v in r.items()} for r in frame.value.to_dict("records")]


def test_a_file_over_our_limit_is_explained_before_it_is_read(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 200_000)
    monkeypatch.setattr("ui.kpi.read_upload", lambda *a: (_ for _ in ()).throw(AssertionError("read")))
    at = uploaded(engine, "大きい[1].csv", h.big_file(300_000))
    assert [e.value for e in at.error] == [  # the name as typed, escaped for Markdown
        f"ファイル「{escape_md('大きい[1].csv')}」は 0.3MB あり、画面から取り込める上限(0.2MB)を超えています。"
        "年度ごとなどに分けるか、コマンド(python -m dxcore import)で取り込んでください。"]
    assert not at.metric and stored(engine) == (0, 0)


def test_the_limit_is_said_in_english_too_and_stays_under_streamlits(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 200_000)
    at = uploaded(engine, "big.csv", h.big_file(300_000), lang="en")
    assert at.error[0].value.startswith(f"'{escape_md('big.csv')}' is 0.3 MB, more than the 0.2 MB that can be")
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 500 * limits.MB)
    from ui.kpi import upload_limit
    assert upload_limit() == 20_000_000 - limits.MB  # a megabyte under server.maxUploadSize (20 million bytes)


def test_a_far_cell_is_refused_by_sheet_and_cell_and_nothing_is_stored(engine):
    at = uploaded(engine, "far.xlsx", h.far_cell())
    assert "1 か所に誤りがあります" in texts(at)
    (row,) = problems_table(at)
    assert row["メッセージ"].startswith("シート「月次データ」のセル XFD1048576 が読み込める範囲")
    assert "kpi_confirm" not in [b.key for b in at.button] and stored(engine) == (0, 0)


def test_a_control_character_is_listed_with_its_place(engine):
    at = uploaded(engine, "nul.csv", h.control_csv("市民\x00課"))
    (row,) = problems_table(at)
    assert (row["行"], row["列"], row["値"]) == (2, "B 部署", "市民[U+0000]課")
    assert "U+0000" in row["メッセージ"] and stored(engine) == (0, 0)


def test_a_flood_of_problems_lists_the_first_and_says_how_many_more(engine):
    at = uploaded(engine, "bad.csv", h.bad_rows_csv(1_000))
    assert len(problems_table(at)) == 200
    assert "4,000" in "".join(m.value for m in at.metric)
    assert "ほかに 3,800 件の誤りがあります(最初の 200 件だけを表示しています)。" in texts(at)
    assert stored(engine) == (0, 0)
