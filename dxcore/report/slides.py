"""The report as a PowerPoint deck (python-pptx): 16:9, one message per slide, numbers
large, and every chart a native chart with its data (editable in PowerPoint).

Japanese text is set in Meiryo for East Asian and Latin script (``a:ea`` and ``a:latin``
on every run, in the theme and in the charts); Meiryo's PANOSE and the Shift-JIS
character set let an office suite without it pick a Japanese Gothic face in its place
(LibreOffice on Linux takes Noto Sans CJK JP).
"""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Sequence

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from dxcore.i18n import t
from dxcore.report.model import Card, Chart, Page, Report, Section, Table, display

FONT = "Meiryo"
FONT_PANOSE = "020B0604030504040204"
SHIFT_JIS = "-128"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BODY_TOP, BODY_BOTTOM = Inches(1.75), Inches(6.7)
FOOTER_TOP = Inches(7.05)  # the organisation, the period and the slide's number
INK, GREY, LIGHT = RGBColor(0x22, 0x22, 0x22), RGBColor(0x66, 0x66, 0x66), RGBColor(0xEE, 0xEE, 0xEE)
# Okabe–Ito, as the app's charts (dxcore.charts); grey for the earlier value, black for targets
PALETTE = ("0072B2", "E69F00", "009E73", "CC79A7", "56B4E9", "D55E00")
STYLE_COLOURS = {"previous": "A6A6A6", "target": "000000", "marker": "D55E00"}
STATE_COLOURS = {"met": "0072B2", "missed": "E69F00", "none": "A6A6A6"}
CHART_TYPES = {"line": XL_CHART_TYPE.LINE_MARKERS, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
               "bar": XL_CHART_TYPE.BAR_CLUSTERED, "stacked_bar": XL_CHART_TYPE.BAR_STACKED,
               "radar": XL_CHART_TYPE.RADAR_MARKERS}
CARDS_PER_SLIDE = 4


def pptx_bytes(report: Report) -> bytes:
    deck = Deck(report)
    for section in report.sections:
        deck.section(section)
    return deck.save()


class Deck:
    def __init__(self, report: Report):
        self.r = report
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.lang_tag = "ja-JP" if report.lang == "ja" else "en-US"
        _theme_fonts(self.prs)
        props = self.prs.core_properties
        props.title, props.language, props.author = report.title, self.lang_tag, t("app.title", report.lang)
        self.layout = self.prs.slide_layouts[6]  # blank

    def save(self) -> bytes:
        for slide in self.prs.slides:
            _fonts(slide._element, self.lang_tag)
            for shape in slide.shapes:
                if shape.has_chart:
                    _fonts(shape.chart._chartSpace, self.lang_tag)
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()

    # slides ---------------------------------------------------------------------------------
    def section(self, s: Section) -> None:
        if s.id == "cover":
            return self.cover(s.pages[0])
        if not s.pages:
            slide = self.slide(s.title, s.title)
            box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN,
                                         Inches(2))
            box.fill.solid()
            box.fill.fore_color.rgb = LIGHT
            box.line.fill.background()
            _text(box.text_frame, [s.empty or ""], 24, colour=INK, anchor=MSO_ANCHOR.MIDDLE)
            return
        for page in s.pages:
            if page.on_slide:
                self.page(s, page)

    def slide(self, section_title: str, message: str):
        slide = self.prs.slides.add_slide(self.layout)
        n = len(self.prs.slides)
        _box(slide, MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, Inches(0.4), [section_title], 14, colour=GREY)
        _box(slide, MARGIN, Inches(0.6), WIDTH - 2 * MARGIN, Inches(1.1), [message], _title_size(message),
             bold=True, anchor=MSO_ANCHOR.MIDDLE)
        _box(slide, MARGIN, FOOTER_TOP, Inches(10), Inches(0.35), [f"{self.r.org} ・ {self.r.period_label}"], 10,
             colour=GREY)
        _box(slide, WIDTH - MARGIN - Inches(1.5), FOOTER_TOP, Inches(1.5), Inches(0.35), [str(n)], 10,
             colour=GREY, align=PP_ALIGN.RIGHT)
        return slide

    def cover(self, page: Page) -> None:
        slide = self.prs.slides.add_slide(self.layout)
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Inches(2.2), WIDTH, Inches(0.12))
        band.fill.solid()
        band.fill.fore_color.rgb = RGBColor.from_string(PALETTE[0])
        band.line.fill.background()
        subtitle, period, created = page.bullets
        _box(slide, MARGIN, Inches(0.9), WIDTH - 2 * MARGIN, Inches(1.2), [subtitle], 28, colour=GREY)
        _box(slide, MARGIN, Inches(2.6), WIDTH - 2 * MARGIN, Inches(1.6), [page.message], 54, bold=True)
        _box(slide, MARGIN, Inches(4.3), WIDTH - 2 * MARGIN, Inches(1.0), [period], 36, bold=True,
             colour=RGBColor.from_string(PALETTE[0]))
        _box(slide, MARGIN, Inches(5.6), WIDTH - 2 * MARGIN, Inches(0.6), [created], 18, colour=GREY)

    def page(self, s: Section, page: Page) -> None:
        bottom = _body_bottom(page.note)  # a long note (a KPI's formula) takes room from the body, not the footer
        if page.cards:
            groups = [page.cards[i:i + CARDS_PER_SLIDE] for i in range(0, len(page.cards), CARDS_PER_SLIDE)]
            for n, cards in enumerate(groups, start=1):
                msg = page.message if len(groups) == 1 else self.part(page.message, n, len(groups))
                slide = self.slide(s.title, msg)
                self.cards(slide, cards, bottom)
                self.note(slide, page.note)
            return
        table = page.table if page.table is not None and page.table_on_slide else None
        parts = _table_parts(table, bottom) if table is not None else [None]
        for n, rows in enumerate(parts, start=1):
            msg = page.message if len(parts) == 1 else self.part(page.message, n, len(parts))
            slide = self.slide(s.title, msg)
            self.body(slide, page, table, rows, first=n == 1, bottom=bottom)
            self.note(slide, page.note)

    def part(self, message: str, n: int, of: int) -> str:
        return f"{message}({n}/{of})" if self.r.lang == "ja" else f"{message} ({n}/{of})"

    def body(self, slide, page: Page, table: Table | None, rows, first: bool, bottom=BODY_BOTTOM) -> None:
        left, width = MARGIN, WIDTH - 2 * MARGIN
        top, height = BODY_TOP, bottom - BODY_TOP
        chart = page.chart if first else None
        if page.bullets and first:
            if chart is not None or table is not None:
                size = (18 if len(page.bullets) <= 3 else 14) if chart is not None else 16
                if chart is not None:  # beside the chart
                    w = int(width * 0.38)
                    _box(slide, left + width - w, top, w, height, _bulleted(page.bullets), size)
                    width -= w + Inches(0.2)
                else:  # above the table
                    h = Pt(size * 1.3) * sum(_lines(f"・{b}", size, width) for b in page.bullets) + Inches(0.2)
                    _box(slide, left, top, width, h, _bulleted(page.bullets), size)
                    top, height = top + h, height - h
            else:
                size = 24 if sum(len(b) for b in page.bullets) < 300 else 20
                _box(slide, left, top, width, height, _bulleted(page.bullets), size, spacing=14)
        if chart is not None and table is not None:
            w = int(width * 0.55)
            _chart(slide, chart, left, top, w, height)
            self.table(slide, table, rows, left + w + Inches(0.2), top, width - w - Inches(0.2))
        elif chart is not None:
            _chart(slide, chart, left, top, width, height)
        elif table is not None:
            self.table(slide, table, rows, left, top, width)

    def note(self, slide, note: str) -> None:
        """The page's note (definitions, sources) in full, just above the footer."""
        if note:
            h = _note_height(note)
            _box(slide, MARGIN, FOOTER_TOP - h, WIDTH - 2 * MARGIN, h, [note], _note_size(note), colour=GREY)

    def cards(self, slide, cards: Sequence[Card], bottom=BODY_BOTTOM) -> None:
        gap = Inches(0.25)
        w = int((WIDTH - 2 * MARGIN - gap * (CARDS_PER_SLIDE - 1)) / CARDS_PER_SLIDE)
        h = bottom - BODY_TOP - Inches(0.2)
        for i, card in enumerate(cards):
            x = MARGIN + i * (w + gap)
            frame = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, BODY_TOP, w, h)
            frame.fill.solid()
            frame.fill.fore_color.rgb = RGBColor(0xF7, 0xF7, 0xF7)
            frame.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
            stripe = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, BODY_TOP, w, Inches(0.12))
            stripe.fill.solid()
            stripe.fill.fore_color.rgb = RGBColor.from_string(STATE_COLOURS[card.state])
            stripe.line.fill.background()
            pad = Inches(0.2)
            _box(slide, x + pad, BODY_TOP + Inches(0.25), w - 2 * pad, Inches(0.9), [card.name], 18, bold=True)
            value = card.text
            _box(slide, x + pad, BODY_TOP + Inches(1.15), w - 2 * pad, Inches(1.1), [value], _fit(value, w - 2 * pad, 44),
                 bold=True, colour=RGBColor.from_string(PALETTE[0]), anchor=MSO_ANCHOR.MIDDLE)
            _box(slide, x + pad, BODY_TOP + Inches(2.35), w - 2 * pad, h - Inches(2.45), list(card.lines), 14,
                 spacing=6)

    def table(self, slide, table: Table, rows, x, y, width) -> None:
        size = _table_size(table)
        shape = slide.shapes.add_table(len(rows) + 1, len(table.header), x, y, width,
                                       Emu(int(Pt(size * 2.2) * (len(rows) + 1))))
        grid = shape.table
        weights = table.widths or (1,) * len(table.header)
        for i, wgt in enumerate(weights):
            grid.columns[i].width = Emu(int(width * wgt / sum(weights)))
        for c, head in enumerate(table.header):
            _cell(grid.cell(0, c), str(head), size, bold=True)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                number = isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "fmt")
                _cell(grid.cell(r, c), display(value, table.format_of(c), self.r.lang), size,
                      align=PP_ALIGN.RIGHT if number else PP_ALIGN.LEFT)


# text -----------------------------------------------------------------------------------------

def _width(text: str) -> float:
    """Width in ems: wide (CJK) characters 1, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _fit(text: str, width, largest: int) -> int:
    """The largest size up to ``largest`` at which bold ``text`` stays on one line of a box ``width`` wide
    (bold Latin letters and digits run about 0.72 em; the box keeps 0.1 in inside each edge)."""
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.72 for ch in text) or 1
    return max(16, min(largest, int((width - Inches(0.2)) / Pt(1) / ems)))


def _lines(text: str, size: int, width) -> int:
    """How many lines ``text`` takes at ``size`` in a box ``width`` wide."""
    return max(1, math.ceil(_width(text) * size * 1.05 / ((width - Inches(0.2)) / Pt(1))))


def _title_size(text: str) -> int:
    w = _width(text)
    return 28 if w <= 58 else 24 if w <= 72 else 20


def _bulleted(lines: Sequence[str]) -> list[str]:
    """A bullet before each line, unless it starts with its own mark (①, (21))."""
    return [line if line[:1] == "(" or "\u2460" <= line[:1] <= "\u2473" else f"・{line}" for line in lines]


def _box(slide, x, y, w, h, lines: Sequence[str], size: int, bold: bool = False, colour=INK,
         align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, spacing: int = 0):
    box = slide.shapes.add_textbox(x, y, w, h)
    _text(box.text_frame, lines, size, bold, colour, align, anchor, spacing)
    return box


def _text(frame, lines: Sequence[str], size: int, bold: bool = False, colour=INK, align=PP_ALIGN.LEFT,
          anchor=MSO_ANCHOR.TOP, spacing: int = 0) -> None:
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        if spacing and i:
            p.space_before = Pt(spacing)
        run = p.add_run()
        run.text = line
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = colour


def _cell(cell, text: str, size: int, bold: bool = False, align=PP_ALIGN.LEFT) -> None:
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    _text(cell.text_frame, [text], size, bold, INK if not bold else RGBColor(0xFF, 0xFF, 0xFF), align)


def _table_size(table: Table) -> int:
    return 14 if len(table.header) <= 5 else 12


def _note_size(note: str) -> int:
    return 11 if len(note) < 150 else 9


def _note_height(note: str) -> int:
    """The height a slide's note needs: every line of it, above the footer."""
    if not note:
        return 0
    size = _note_size(note)
    return int(Pt(size * 1.2) * _lines(note, size, WIDTH - 2 * MARGIN) + Inches(0.12))


def _body_bottom(note: str) -> int:
    return min(BODY_BOTTOM, FOOTER_TOP - _note_height(note) - Inches(0.05))


def _table_parts(table: Table, bottom=BODY_BOTTOM) -> list[tuple]:
    """The rows split into slides, by the lines each row will take at the table's size."""
    size = _table_size(table)
    body = (bottom - BODY_TOP) / Pt(1) - size * 2.4  # points, less the header
    weights = table.widths or (1,) * len(table.header)
    col_pt = [(WIDTH - 2 * MARGIN) / Pt(1) * wgt / sum(weights) - 9 for wgt in weights]
    parts, part, used = [], [], 0.0
    for row in table.rows:
        lines = max(math.ceil(_width(display(v, table.format_of(i))) * size / max(col_pt[i], size)) or 1
                    for i, v in enumerate(row))
        need = lines * size * 1.25 + size * 0.7
        if part and used + need > body:
            parts.append(tuple(part))
            part, used = [], 0.0
        part.append(row)
        used += need
    parts.append(tuple(part))
    return parts


# charts ---------------------------------------------------------------------------------------

def _chart(slide, c: Chart, x, y, w, h) -> None:
    data = CategoryChartData(number_format=c.number_format)
    data.categories = list(c.categories)
    for s in c.series:
        data.add_series(s.name, list(s.values))
    chart = slide.shapes.add_chart(CHART_TYPES[c.kind], x, y, w, h, data).chart
    chart.font.size = Pt(14)
    chart.has_legend = len(c.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(14)
    axis = chart.value_axis
    if c.axis_min is not None:
        axis.minimum_scale = c.axis_min
    if c.axis_max is not None:
        axis.maximum_scale = c.axis_max
    axis.tick_labels.number_format = c.number_format
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = RGBColor(0xD9, 0xD9, 0xD9)
    if c.kind != "radar":
        chart.category_axis.tick_labels.font.size = Pt(12 if len(c.categories) > 8 else 14)
    if c.kind in ("bar", "stacked_bar"):
        chart.category_axis.reverse_order = True  # read from the top, as the table does
    plot = chart.plots[0]
    bars = c.kind in ("bar", "column", "stacked_bar")
    if bars:
        plot.gap_width = 60
        if len(c.series) * len(c.categories) <= 24:
            plot.has_data_labels = True
            labels = plot.data_labels
            labels.number_format, labels.number_format_is_linked = c.number_format, False
            labels.font.size = Pt(12)
            labels.position = XL_LABEL_POSITION.CENTER if c.kind == "stacked_bar" else XL_LABEL_POSITION.OUTSIDE_END
    main = 0
    for ps, s in zip(plot.series, c.series):
        colour = STYLE_COLOURS.get(s.style)
        if colour is None:
            colour, main = PALETTE[main % len(PALETTE)], main + 1
        rgb = RGBColor.from_string(colour)
        if bars:
            ps.format.fill.solid()
            ps.format.fill.fore_color.rgb = rgb
            continue
        ps.smooth = False
        line = ps.format.line
        if s.style == "marker":
            line.fill.background()
            ps.marker.style, ps.marker.size = XL_MARKER_STYLE.DIAMOND, 13
        else:
            line.color.rgb, line.width = rgb, Pt(2.5 if s.style == "target" else 3.5)
            ps.marker.style, ps.marker.size = ((XL_MARKER_STYLE.NONE, 2) if s.style == "target"
                                               else (XL_MARKER_STYLE.CIRCLE, 7))
            if s.style == "target":
                line.dash_style = MSO_LINE.DASH
        ps.marker.format.fill.solid()
        ps.marker.format.fill.fore_color.rgb = rgb
        ps.marker.format.line.color.rgb = rgb
        for i, text in s.labels.items():
            label = ps.points[i].data_label
            label.has_text_frame = True
            label.text_frame.text = text
            label.position = XL_LABEL_POSITION.ABOVE
            label.font.size = Pt(11)


# fonts ----------------------------------------------------------------------------------------

def _fonts(element, lang_tag: str) -> None:
    """Meiryo for Latin and East Asian text on every run and default run property."""
    for rpr in element.iter(qn("a:rPr"), qn("a:defRPr"), qn("a:endParaRPr")):
        rpr.set("lang", lang_tag)
        if lang_tag == "ja-JP":
            rpr.set("altLang", "en-US")
        for tag in ("a:latin", "a:ea", "a:cs", "a:sym"):
            for old in rpr.findall(qn(tag)):
                rpr.remove(old)
        latin = etree.SubElement(rpr, qn("a:latin"), typeface=FONT, panose=FONT_PANOSE)
        ea = etree.Element(qn("a:ea"), typeface=FONT, panose=FONT_PANOSE, charset=SHIFT_JIS)
        # schema order: fills and effects, then latin, ea, cs, then hyperlinks and extensions
        later = [c for c in rpr if c.tag in (qn("a:hlinkClick"), qn("a:hlinkMouseOver"), qn("a:rtl"),
                                             qn("a:extLst"))]
        if later:
            rpr.remove(latin)
            later[0].addprevious(latin)
        latin.addnext(ea)


def _theme_fonts(prs) -> None:
    """The theme's heading and body fonts: Meiryo for Latin, East Asian and Japanese script."""
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    for scheme in ("a:majorFont", "a:minorFont"):
        for font in root.iter(qn(scheme)):
            font.find(qn("a:latin")).set("typeface", FONT)
            font.find(qn("a:ea")).set("typeface", FONT)
            for script in font.findall(qn("a:font")):
                if script.get("script") == "Jpan":
                    script.set("typeface", FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
