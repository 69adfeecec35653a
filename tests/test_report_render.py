"""Real office software opens the demo report: LibreOffice headless converts the PowerPoint
deck and the Excel workbook to PDF, poppler turns pages into PNGs (kept in
test-artifacts/report-*.png) and its text holds the organisation's name and KPI values.

Two conversions only (they are slow on a small machine); each LibreOffice run gets its
own profile directory and a time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
from pptx import Presentation

from dxcore import demo, kpi, report
from dxcore.report import gather
from dxcore.store import repo_kpi
from tests.conftest import _require_or_skip

TIMEOUT = 240


def _tools() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("soffice", "pdftoppm", "pdftotext")}
    missing = [n for n, p in found.items() if p is None]
    if missing:
        _require_or_skip(f"{', '.join(missing)} not installed",
                         "LibreOffice and poppler-utils are needed (apt-get install libreoffice-impress "
                         "libreoffice-calc poppler-utils)")
    return found


def to_pdf(tools: dict[str, str], source: Path, work: Path) -> Path:
    profile = work / f"lo-profile-{source.suffix[1:]}"
    out = subprocess.run([tools["soffice"], f"-env:UserInstallation={profile.as_uri()}", "--headless",
                          "--norestore", "--convert-to", "pdf", "--outdir", str(work / "pdf"), str(source)],
                         capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, "HOME": str(work)})
    pdf = work / "pdf" / (source.stem + ".pdf")
    assert out.returncode == 0 and pdf.exists() and pdf.stat().st_size > 0, (out.stdout, out.stderr)
    return pdf


def pdf_text(tools: dict[str, str], pdf: Path) -> str:
    out = subprocess.run([tools["pdftotext"], "-layout", str(pdf), "-"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return "".join(out.stdout.split())  # pdftotext spaces out Latin next to Japanese: compare without spaces


def footer_bands(tools: dict[str, str], pdf: Path, footer_pt: float) -> list[tuple[str, list[str]]]:
    """Per page: the text at or below the footer's top (left to right), and any word that
    starts above it but runs into it (text written over the footer)."""
    import re

    out = subprocess.run([tools["pdftotext"], "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    found = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", out.stdout, flags=re.S):
        words = [(float(x0), float(y0), float(y1), w) for x0, y0, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)]
        band = "".join(w for x0, y0, _, w in sorted(words) if y0 >= footer_pt - 1)
        over = [w for _, y0, y1, w in words if y0 < footer_pt - 1 and y1 > footer_pt + 2]
        found.append((band, over))
    return found


def pages(tools: dict[str, str], pdf: Path, prefix: Path, first: int, last: int) -> list[Path]:
    out = subprocess.run([tools["pdftoppm"], "-png", "-r", "60", "-f", str(first), "-l", str(last), str(pdf),
                          str(prefix)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def test_libreoffice_renders_the_demo_deck_and_workbook(engine, tmp_path, artifacts):
    tools = _tools()
    org = demo.load_demo(engine)
    inputs = gather.inputs(engine, org)
    period = report.default_period(inputs)
    built = report.build(inputs, period)
    for old in [*artifacts.glob("report-slide-*.png"), *artifacts.glob("report-sheet-*.png")]:
        old.unlink()  # a shorter deck than last time leaves no stale pages behind

    deck = tmp_path / "demo-report.pptx"
    deck.write_bytes(report.render(built, "pptx"))
    deck_pdf = to_pdf(tools, deck, tmp_path)
    text = pdf_text(tools, deck_pdf)
    assert demo.DEMO_NAME in text and period.label("ja") in text
    values = repo_kpi.load_values(engine, org.id)
    years = kpi.yearly(values[values["month"] <= pd.Timestamp(period.end)], repo_kpi.catalogue_for(engine, org.id),
                       repo_kpi.settings(engine, org.id))
    online = years[(years.kpi == "online_rate") & (years.fiscal_year == period.fiscal_year)]["value"].iloc[0]
    assert kpi.format_value(online, "ratio") in text  # the card's big number, as PDF text
    # nothing is written over a slide's footer (a long KPI formula once ran into it)
    from dxcore.report.slides import FOOTER_TOP

    for n, (band, over) in enumerate(footer_bands(tools, deck_pdf, FOOTER_TOP / 12700)[1:], start=2):
        assert band.replace(" ", "") == f"{demo.DEMO_NAME}・{period.label('ja')}{n}".replace(" ", ""), (n, band)
        assert over == [], (n, over)
    slides = pages(tools, deck_pdf, tmp_path / "slide", 1, 40)
    assert len(slides) == len(Presentation(str(deck)).slides)
    for i, png in enumerate(slides, start=1):
        shutil.copy(png, artifacts / f"report-slide-{i:02d}.png")

    book = tmp_path / "demo-report.xlsx"
    book.write_bytes(report.render(built, "xlsx"))
    book_pdf = to_pdf(tools, book, tmp_path)
    text = pdf_text(tools, book_pdf)
    assert demo.DEMO_NAME in text and "電子申請利用率" in text
    assert f"{online:.1%}" in text  # the workbook cell shows the same value with its % format
    for sentence in built.summary:  # every summary sentence shown whole (a long one was once cut at the cell's edge)
        assert "".join(sentence.split()) in text, sentence
    for i, png in enumerate(pages(tools, book_pdf, tmp_path / "sheet", 1, 8), start=1):
        shutil.copy(png, artifacts / f"report-sheet-{i:02d}.png")
