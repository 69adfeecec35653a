"""報告書: a report for executives and the council — the period, the sections, the summary
sentences to check, then the PowerPoint deck and the Excel workbook to download."""

import streamlit as st

from dxcore import kpi, report
from dxcore.errors import DxError
from dxcore.report import gather
from ui.common import engine, lang, md, option_index, org_page, show_error, tr, wkey
from ui.gate import through_app
from ui.kpi import wareki

through_app()

FILES = "report_files"
KIND, YEAR, START, END, SECTIONS = "report_kind", "report_year", "report_start", "report_end", "report_sections"

org = org_page("report.page.title")
st.write(tr("report.page.intro"))
inputs = gather.inputs(engine(), org, lang())
years, months = report.choices(inputs)
default = report.default_period(inputs)

# the period ---------------------------------------------------------------------------------
left, right = st.columns([2, 1])
with left:
    kinds = ["year", "months"]
    st.session_state.setdefault(KIND, "year")
    kind = st.radio(tr("report.page.period"), kinds, index=option_index(kinds, st.session_state[KIND], 0), horizontal=True,
                    format_func=lambda k: tr(f"report.page.by_{k}"), key=wkey("report_kind"))
    st.session_state[KIND] = kind
with right:
    use_wareki = wareki()
if kind == "year":
    st.session_state.setdefault(YEAR, default.fiscal_year)
    year = st.selectbox(tr("report.page.year"), years, index=years.index(st.session_state[YEAR])
                        if st.session_state[YEAR] in years else 0,
                        format_func=lambda y: kpi.fy_label(y, lang(), use_wareki), key=wkey("report_year"))
    st.session_state[YEAR] = year
    period = report.Period.fiscal(year)
else:
    a, b = st.columns(2)
    label = {m: kpi.month_label(m, lang(), use_wareki) for m in months}
    st.session_state.setdefault(START, max(default.start, months[-1]))
    st.session_state.setdefault(END, min(default.end, months[0]))
    start = a.selectbox(tr("report.page.start"), months, index=months.index(st.session_state[START])
                        if st.session_state[START] in months else len(months) - 1, format_func=label.get,
                        key=wkey("report_start"))
    end = b.selectbox(tr("report.page.end"), months, index=months.index(st.session_state[END])
                      if st.session_state[END] in months else 0, format_func=label.get, key=wkey("report_end"))
    st.session_state[START], st.session_state[END] = start, end
    try:
        period = report.Period.months_between(start, end)
    except DxError as e:
        show_error(e)
        st.stop()

# the sections -------------------------------------------------------------------------------
st.session_state.setdefault(SECTIONS, list(report.SECTIONS))
sections = st.multiselect(tr("report.page.sections"), report.SECTIONS, default=st.session_state[SECTIONS],
                          format_func=lambda s: tr(f"report.section.{s}"), key=wkey("report_sections"))
st.session_state[SECTIONS] = sections

# the summary to check -----------------------------------------------------------------------
st.subheader(tr("report.page.preview", period=period.label(lang(), use_wareki)))
sentences = report.summary(inputs, period, lang(), use_wareki)
if not sentences:
    st.info(tr("report.error.empty_period", org=md(org.name), period=period.label(lang(), use_wareki)))
    st.stop()
st.markdown("\n".join(f"{n}. {md(s)}" for n, s in enumerate(sentences, start=1)))
st.caption(tr("report.summary.note"))

# build and download -------------------------------------------------------------------------
wanted = (org.id, period, tuple(sections), lang(), use_wareki)
if st.button(tr("report.page.build"), type="primary", disabled=not sections, key="report_build"):
    bar = st.progress(0, text=tr("report.page.step_read"))
    try:
        built = report.build(inputs, period, sections, lang(), use_wareki)
        bar.progress(30, text=tr("report.page.step_pptx"))
        pptx = report.render(built, "pptx")
        bar.progress(70, text=tr("report.page.step_xlsx"))
        xlsx = report.render(built, "xlsx")
    except DxError as e:
        bar.empty()
        show_error(e)
        st.stop()
    bar.progress(100, text=tr("report.page.step_done"))
    st.session_state[FILES] = {"for": wanted, "pptx": pptx, "xlsx": xlsx,
                               "names": {f: built.file_name(f) for f in report.FORMATS}}
if not sections:
    st.warning(tr("report.page.no_sections"))
files = st.session_state.get(FILES)
if files and files["for"] == wanted:
    a, b, _ = st.columns([1, 1, 2])
    a.download_button(tr("report.page.download_pptx"), files["pptx"], file_name=files["names"]["pptx"],
                      mime=report.MIME["pptx"], type="primary", key="report_dl_pptx")
    b.download_button(tr("report.page.download_xlsx"), files["xlsx"], file_name=files["names"]["xlsx"],
                      mime=report.MIME["xlsx"], key="report_dl_xlsx")
    st.caption(tr("report.page.pdf_howto"))
