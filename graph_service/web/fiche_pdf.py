"""The fiche de liaison of a plan as a PDF, in French or Arabic, shaped and laid out offline.

A social worker prints the fiche or sends it as a file; the browser's print
dialog is not always at hand (phones, shared computers). fpdf2 writes the PDF in
pure Python and shapes Arabic through HarfBuzz (uharfbuzz): letters joined,
lam-alef ligatures, right-to-left runs with numbers kept left to right. The
font is Debian's DejaVu Sans (package ``fonts-dejavu-core``, installed by the
Makefile), which covers Latin and Arabic. The PDF is made in memory for one
answer and never stored; the situation it summarises came in the POST body.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..domain.messages import LIST_SEPARATOR
from ..domain.referral import Referral
from ..orientation import Plan
from ..reachability import Dial, Reachability
from ..settings import Settings
from .i18n import Lang

__all__ = ["PAPER_ONLY", "FicheSummary", "Side", "fiche_pdf", "referral_fiche_pdf"]

PAPER_ONLY = ("fiche_child", "fiche_birth", "fiche_guardian", "fiche_pv", "fiche_consent",
              "fiche_signature")
"""The referral fiche's lines filled by hand (label keys): they stay on paper."""

_LINE = 6.0
"""Height of a line of text, in mm."""


@dataclass(frozen=True, slots=True)
class FicheSummary:
    """What the fiche says above the services: the day, who refers, the situation in codes."""

    date: str
    referrer: str
    age_band: str | None
    sex: str | None
    urgent: bool
    situations: tuple[str, ...]


def fiche_pdf(plan: Plan, summary: FicheSummary, lang: Lang,
              reach: Callable[..., Reachability | None],
              name: Callable[[object], str]) -> bytes:
    """The fiche of ``plan`` in ``lang``: the summary, then each remaining stage's service with
    how to reach it (or « non renseigné » and the fallback), then the lines filled by hand."""
    pdf = _Sheet(lang)
    t = lang.t
    pdf.title_line(t("sheet_title"))
    pdf.pair(t("sheet_date"), summary.date)
    pdf.pair(t("from_service"), summary.referrer or "……………………………………")
    pdf.pair(t("situations"), _joined(lang, [lang.term("situation", s)
                                             for s in summary.situations]))
    pdf.pair(t("age_band"), lang.term("age_band", summary.age_band) if summary.age_band
             else t("unspecified"))
    pdf.pair(t("sex"), lang.term("sex", summary.sex) if summary.sex else t("unspecified"))
    pdf.pair(t("urgency"), t("urgent_yes") if summary.urgent else t("urgent_no"))
    if plan.emergency_numbers:
        pdf.pair(t("emergency_numbers"), _joined(lang, [
            f"{n.number} {n.label_ar if lang.code == 'ar' else n.label}"
            for n in plan.emergency_numbers]))
    pdf.heading(t("sheet_steps"))
    for stage in plan.stages:
        if stage.skipped:
            continue
        pdf.heading(lang.term("stage", stage.stage), size=11)
        choice = stage.service
        if choice is None:
            gap = next((g for g in plan.gaps if g.stage == stage.stage), None)
            pdf.line_of(lang.say(gap.reason) if gap else t("no_service"))
            continue
        pdf.line_of(f"{name(choice)} — {name(choice.organization)}", bold=True)
        found = reach(choice.id, choice.site_id, choice.documents)
        if found is not None:
            _reach(pdf, lang, found, name)
    pdf.heading(t("sheet_child"))
    for key in ("sheet_name", "sheet_birth", "sheet_guardian", "sheet_notes"):
        pdf.blank(t(key))
    return bytes(pdf.output())


@dataclass(frozen=True, slots=True)
class Side:
    """One service of a referral as its fiche names it: « service — organisation »."""

    key: str
    """The label key of the side (``from_service``, ``to_service``)."""
    service_id: str
    name: str


def referral_fiche_pdf(referral: Referral, lang: Lang, sides: tuple[Side, Side],
                       dates: tuple[str, str], qr_png: bytes,
                       reach: Callable[..., Reachability | None],
                       name: Callable[[object], str]) -> bytes:
    """The closed-loop referral's fiche in ``lang``, as its page shows it: code and QR, dates,
    both services with how to reach them, the situation in codes, the documents, the lines
    filled by hand and the return slip. The referral holds codes only, and so does the PDF."""
    pdf = _Sheet(lang)
    t = lang.t
    pdf.title_line(t("fiche_title"))
    pdf.image(io.BytesIO(qr_png), x=pdf.l_margin if pdf.rtl else pdf.w - pdf.r_margin - 30,
              y=pdf.t_margin, w=30)
    pdf.pair(t("referral_code"), referral.code)
    pdf.pair(t("sent_at"), dates[0])
    pdf.pair(t("deadline"), dates[1])
    pdf.line_of(t("fiche_qr"))
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 32))
    for side in sides:
        pdf.heading(t(side.key))
        pdf.line_of(side.name, bold=True)
        found = reach(side.service_id)
        if found is not None:
            _reach(pdf, lang, found, name)
    pdf.heading(t("fiche_motif"))
    pdf.pair(t("stage"), lang.term("stage", referral.stage))
    pdf.pair(t("situations"), _joined(lang, [lang.term("situation", s)
                                             for s in referral.situations]))
    pdf.pair(t("age_band"), lang.term("age_band", referral.age_band))
    pdf.pair(t("sex"), lang.term("sex", referral.sex))
    pdf.pair(t("urgency"), t("urgent_yes") if referral.urgent else t("urgent_no"))
    pdf.heading(t("fiche_paper_only"))
    for key in PAPER_ONLY:
        pdf.blank(t(key))
    pdf.heading(t("fiche_return"))
    pdf.pair(t("referral_code"), f"{referral.code} · {sides[0].name} → {sides[1].name}")
    pdf.line_of(t("fiche_return_answer"))
    pdf.blank(t("fiche_signature"))
    return bytes(pdf.output())


def _reach(pdf: _Sheet, lang: Lang, r: Reachability, name: Callable[[object], str]) -> None:
    t = lang.t
    place = _joined(lang, [name(x) for x in (r.commune, r.province) if x is not None])
    address = (t("confidential_address") if r.confidential
               else r.address or t("not_given"))
    pdf.pair(t("address"), f"{address} — {place}" if place else address)
    phones = [_dial(lang, d) for d in r.channels]
    if "phone" in r.missing:
        phones.append(t("not_given"))
    pdf.pair(t("channels"), _joined(lang, phones))
    org = [_dial(lang, d) for d in r.fallback if d.source == "organization"]
    national = [_dial(lang, d) for d in r.fallback if d.source == "national"]
    if org:
        pdf.pair(t("fallback_organization").rstrip(" :"), _joined(lang, org))
    if national:
        pdf.pair(t("fallback_national").rstrip(" :"), _joined(lang, national))
    pdf.pair(t("hours"), r.open_now.text(lang.code))
    pdf.pair(t("access"), lang.term("access", r.access))
    pdf.pair(t("documents"), _joined(lang, list(r.documents)) or t("not_given"))


def _dial(lang: Lang, d: Dial) -> str:
    return f"{d.named(lang.code)} {d.text}"


def _joined(lang: Lang, items: list[str]) -> str:
    return LIST_SEPARATOR[lang.code].join(items)


class _Sheet(FPDF):
    """An A4 page in the page's direction, with DejaVu Sans shaped by HarfBuzz."""

    def __init__(self, lang: Lang) -> None:
        super().__init__(format="A4")
        self.rtl = lang.code == "ar"
        fonts = Path(Settings()["GRAPH_SERVICE_PDF_FONTS"])
        self.add_font("sans", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("sans", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr",
                              script="arab" if self.rtl else "latn",
                              language="ara" if self.rtl else "fra")
        self.set_margins(15, 15, 15)
        self.add_page()
        self.set_font("sans", size=10)

    def title_line(self, text: str) -> None:
        self.set_font("sans", "B", 16)
        self._cell(text, 10)
        self.set_font("sans", size=10)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font("sans", "B", size)
        self._cell(text, _LINE + 1)
        self.set_font("sans", size=10)

    def line_of(self, text: str, *, bold: bool = False) -> None:
        self.set_font("sans", "B" if bold else "", 10)
        self._cell(text, _LINE)
        self.set_font("sans", size=10)

    def pair(self, label: str, value: str) -> None:
        self.line_of(f"{label} : {value}" if not self.rtl else f"{label}: {value}")

    def blank(self, label: str) -> None:
        """A line to fill by hand."""
        self.pair(label, "……………………………………………………")

    def _cell(self, text: str, height: float) -> None:
        self.multi_cell(0, height, text, align="R" if self.rtl else "L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
