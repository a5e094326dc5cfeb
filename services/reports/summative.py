"""Documents of the criteria-based assessment (issue 21; DOMAIN.md 8).

The «Анализ СОР и СОЧ» (приказ № 130, Appendix 8) of one subject page and period: for each
work of the period its maximum, how many wrote it, the mean points and percent and the
pupils by level of achievement (high 85-100 %, medium 40-84 %, low 0-39 %); then the period
result by level, and the quality and success percentages over the period marks. It is a
list of report sheets (services.reports.sheet), drawn on screen, as a PDF and as an XLSX.

The transfer extract of a pupil who moves school (services.reports.summative_transfer).

Registers the report "summative": the criteria-based pages a user may read, each with links
to its analysis, and the pupils whose transfer extract the user may issue.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models import (
    Enrolment,
    FinalMark,
    Person,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    SummativeWork,
    User,
)
from services import clock, pdf, policy
from services import journal as rules
from services import school as school_service
from services.corrections.log import period_title
from services.grid import page_pupils
from services.reports import filters as report_filters
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet, shown, to_xlsx
from services.summative import formula, results
from services.summative.schedule import kind_label

LEVELS = tuple(name for name, _lowest in formula.LEVELS)  # high, medium, low


def level_label(level: str) -> str:
    """A level of achievement with its band, in the user's language."""
    return {"high": _("high (85-100 %)"), "medium": _("medium (40-84 %)"),
            "low": _("low (0-39 %)")}[level]


def share(count: int, total: int) -> float | None:
    """count of total in percent (None of nobody)."""
    return count * 100 / total if total else None


@dataclass
class Levels:
    """Pupils counted by level of achievement, and their names by level."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    names: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in LEVELS})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, level: str) -> float | None:
        return share(self.counts[level], self.total)

    def add(self, name: str, percent: Fraction) -> str:
        """Count a pupil at the level of `percent` (formula.level_of); the level."""
        level = formula.level_of(percent)
        self.counts[level] += 1
        self.names[level].append(name)
        return level


@dataclass
class WorkRow:
    """One work of the period: who wrote it, the means, the pupils by level."""

    work: SummativeWork
    levels: Levels
    points: dict[int, int]  # by pupil id
    mean_points: Fraction | None = None
    mean_percent: Fraction | None = None

    @property
    def wrote(self) -> int:
        return self.levels.total


def analyse_work(work: SummativeWork, points: dict[int, int], names: dict[int, str]) -> WorkRow:
    """A work's figures over the points of the pupils listed in `names` (by pupil id)."""
    levels = Levels()
    got = [(pid, p) for pid, p in points.items() if pid in names]
    for pupil_id, value in got:
        levels.add(names[pupil_id], Fraction(value * 100, work.max_points))
    row = WorkRow(work, levels, dict(got))
    if got:
        row.mean_points = Fraction(sum(p for _pid, p in got), len(got))
        row.mean_percent = row.mean_points * 100 / work.max_points
    return row


@dataclass
class MarkCounts:
    """The period marks counted for quality and success: N excludes the exempt and the
    pupils without a mark; «н/а» stays in N (DOMAIN.md 8)."""

    by_mark: dict[int, int] = field(default_factory=lambda: dict.fromkeys((5, 4, 3, 2), 0))
    na: int = 0

    @property
    def n(self) -> int:
        return sum(self.by_mark.values()) + self.na

    @property
    def quality(self) -> float | None:
        """(N5 + N4) × 100 / N."""
        return share(self.by_mark[5] + self.by_mark[4], self.n)

    @property
    def success(self) -> float | None:
        """(N5 + N4 + N3) × 100 / N."""
        return share(self.by_mark[5] + self.by_mark[4] + self.by_mark[3], self.n)


def count_marks(marks: Iterable[int | str | None]) -> MarkCounts:
    """Count marks 2-5 and "na"; None (no mark) and any other label are left out of N."""
    out = MarkCounts()
    for mark in marks:
        if mark == "na":
            out.na += 1
        elif isinstance(mark, int):
            key = min(5, max(2, mark))  # a 1 where the school allows it fails as a 2 does
            out.by_mark[key] += 1
    return out


@dataclass
class PupilRow:
    pupil: Pupil
    percent: Fraction | None
    level: str | None
    suggested: int | None
    given: str  # the period mark given, as the journal writes it ("" when none)
    counted: int | str | None  # what quality and success count: the given mark, else the suggested


@dataclass
class Analysis:
    page: SubjectPage
    period: StudyPeriod
    periods: list[StudyPeriod]
    school_name: str
    subject: str
    teacher: str
    class_teacher: str
    span: list[StudyPeriod]  # the periods whose works make this period's mark ([]: none given)
    works: list[WorkRow]
    pupils: list[PupilRow]
    result: Levels
    marks: MarkCounts
    printed: dt.date

    @property
    def period_name(self) -> str:
        return period_title(self.period)

    @property
    def marked(self) -> bool:
        """Is a period mark given at the end of this period (a half-year subject's first
        quarter: no)?"""
        return bool(self.span)


def analyse(page: SubjectPage, period: StudyPeriod) -> Analysis:
    """The analysis of the page's works in the period, in the current locale. A fixed
    number of queries (about ten) whatever the number of pupils and works."""
    cls = page.school_class
    periods = school_service.periods_of(cls)
    pupils = page_pupils(page, period.start_date, period.end_date)
    found = results.page_results(page, period, periods, [p.id for p in pupils])
    finals = {pid: (value, special) for pid, value, special in db.session.execute(
        select(FinalMark.pupil_id, FinalMark.value, FinalMark.special).where(
            FinalMark.page_id == page.id, FinalMark.kind == "period",
            FinalMark.period_id == period.id))}
    names = {p.id: p.name for p in pupils}
    # a half-year subject's mark is made of both quarters' works: the analysis shows them all
    shown_works = found.span_works if len(found.span) > 1 else found.works
    by_work: dict[int, dict[int, int]] = {w.id: {} for w in shown_works}
    for pupil_id, got in found.pupils.items():
        for work_id, points in got.points.items():
            if work_id in by_work:
                by_work[work_id][pupil_id] = points
    works = [analyse_work(w, by_work[w.id], names) for w in shown_works]
    # The period's result counts the pupils on the page at its end (DOMAIN.md 8: N is the
    # class at the end of the period); one who left is listed, outside the counts.
    at_end = {p.id for p in page_pupils(page, period.end_date, period.end_date)}
    result, rows = Levels(), []
    for pupil in pupils:
        outcome = found.result(pupil.id).outcome
        percent = outcome.percent if outcome is not None else None
        stays = pupil.id in at_end
        level = result.add(pupil.name, percent) if percent is not None and stays else None
        value, special = finals.get(pupil.id, (None, None))
        suggested = outcome.mark if outcome is not None else None
        counted = (value if value is not None else special if special else suggested) \
            if stays else None
        rows.append(PupilRow(pupil, percent, level, suggested,
                             rules.final_label(value, special), counted))
    school = school_service.the_school()
    return Analysis(page, period, periods, school.name if school else "",
                    page.subject.name(str(get_locale())), page.teacher.name,
                    cls.class_teacher.name if cls.class_teacher else "", found.span,
                    works, rows, result, count_marks(r.counted for r in rows),
                    clock.today())


# -- the analysis as sheets (screen, PDF, XLSX) -------------------------------------------

def _num(value: Fraction | None) -> float | None:
    """A mean for a sheet cell (the screen and the PDF round it to one decimal)."""
    return float(value) if value is not None else None


def _cut(value: Fraction | None) -> float | None:
    """A pupil's percentage cut to one decimal (as formula.shown does), never rounded:
    84.46 % is medium and must not show as 84.5, in the workbook either."""
    return math.floor(value * 10) / 10 if value is not None else None


def works_sheet(a: Analysis) -> Sheet:
    """One row per work: its maximum, who wrote it, the means and the levels."""
    columns = [Column("kind", _("Work"), width=8), Column("name", _("Name"), width=24),
               Column("date", _("Date"), "date", 11), Column("max", _("Max points"), "int", 8),
               Column("wrote", _("Wrote"), "int", 8),
               Column("mean", _("Mean points"), "num", 8),
               Column("mean_pct", _("Mean %"), "pct", 8)]
    for level in LEVELS:
        columns += [Column(level, level_label(level), "int", 10),
                    Column(f"{level}_pct", _("Share of those who wrote, %"), "pct", 8)]
    rows = []
    for w in a.works:
        row = [kind_label(w.work.kind), w.work.name, w.work.date, w.work.max_points, w.wrote,
               _num(w.mean_points), _num(w.mean_percent)]
        for level in LEVELS:
            row += [w.levels.counts[level], w.levels.percent(level)]
        rows.append(row)
    notes = [_("This subject is marked per half-year: the works of %(periods)s make its mark.",
               periods=", ".join(school_service.period_name(p) for p in a.span))] \
        if len(a.span) > 1 else []
    return Sheet(_("Summative works of the period"), columns, rows, notes=notes, landscape=True,
                 empty=_("No SAU or SAT is dated in this period."))


def result_sheet(a: Analysis) -> Sheet:
    """The period result: pupils by level of their total percent, the marks counted and
    the quality and success percentages."""
    columns = [Column("what", _("Indicator"), width=40), Column("count", _("Pupils"), "int", 10),
               Column("pct", _("%"), "pct", 10)]
    rows: list[list] = [[level_label(level), a.result.counts[level], a.result.percent(level)]
                        for level in LEVELS]
    for mark in (5, 4, 3, 2):
        rows.append([_("Mark %(mark)d", mark=mark), a.marks.by_mark[mark],
                     share(a.marks.by_mark[mark], a.marks.n)])
    rows.append([_("n/a"), a.marks.na, share(a.marks.na, a.marks.n)])
    totals = [[_("Quality of knowledge ((N5 + N4) × 100 / N)"), a.marks.n, a.marks.quality],
              [_("Success ((N5 + N4 + N3) × 100 / N)"), a.marks.n, a.marks.success]]
    notes = [_("Levels are counted on each pupil's total percent for the period (%(n)d "
               "pupils with a computed result).", n=a.result.total),
             _("Quality and success are counted over the period marks given; where no mark "
               "is given yet, over the suggested (computed) mark. N = %(n)d: pupils exempt or "
               "without either mark are not counted, «n/a» is.", n=a.marks.n)]
    if not a.marked:
        return Sheet(_("Result of the period"), columns, [], subtitle="", notes=[],
                     empty=_("This subject is marked per half-year: no period mark is given "
                             "at the end of this period."))
    return Sheet(_("Result of the period"), columns, rows, totals, notes=notes)


def pupils_sheet(a: Analysis) -> Sheet:
    """Each pupil: the percent of each work, the total percent, the level and the marks."""
    columns = [Column("pupil", _("Pupil"), width=30)]
    columns += [Column(f"w{w.work.id}", f"{kind_label(w.work.kind)} {w.work.date:%d.%m}", "pct", 9)
                for w in a.works]
    columns += [Column("total", _("Total %"), "pct", 9), Column("level", _("Level of achievement"), width=16),
                Column("suggested", _("Suggested mark"), "mark", 10),
                Column("given", _("Period mark"), "mark", 10)]
    rows = []
    for r in a.pupils:
        row: list = [r.pupil.name]
        for w in a.works:
            got = w.points.get(r.pupil.id)
            row.append(_cut(Fraction(got * 100, w.work.max_points)) if got is not None else None)
        row += [_cut(r.percent), level_label(r.level) if r.level else "",
                r.suggested, r.given]
        rows.append(row)
    return Sheet(_("Pupils by level"), columns, rows, empty=_("The page has no pupils."))


def analysis_sheets(a: Analysis) -> list[Sheet]:
    return [works_sheet(a), result_sheet(a), pupils_sheet(a)]


def header(a: Analysis) -> list[tuple[str, str]]:
    """The document's heading lines: (label, value)."""
    return [(_("School"), a.school_name), (_("Class"), a.page.school_class.name),
            (_("Subject"), a.subject), (_("Teacher"), a.teacher),
            (_("Class teacher"), a.class_teacher), (_("Period"), a.period_name)]


def analysis_pdf(a: Analysis) -> bytes:
    """The analysis as an A4 landscape PDF. Raises pdf.PdfError if xhtml2pdf fails."""
    return pdf.render(render_template("pdf/summative_analysis.html", font_css=pdf.font_face_css(),
                                      a=a, sheets=analysis_sheets(a), heading=header(a),
                                      shown=shown, landscape=True))


def analysis_xlsx(a: Analysis) -> bytes:
    """The analysis as a workbook: the heading, then a worksheet per sheet."""
    title = Sheet(_("Analysis of SAU and SAT"),
                  [Column("what", _("Field"), width=20), Column("value", "", width=50)],
                  [list(line) for line in header(a)])
    return to_xlsx([title, *analysis_sheets(a)])


# -- the report: the pages with their analyses, the pupils with their transfer extracts ----

def _criteria_classes(user: User, f: report_filters.Filters) -> list[SchoolClass]:
    return [c for c in report_filters.classes(user, f) if c.is_criteria]


def _may(user: User) -> bool:
    """Staff who read criteria-based pages, when the year has a criteria-based class."""
    if not policy.may_read_summative_reports(user):
        return False
    year = school_service.current_year()
    return year is not None and db.session.scalar(select(SchoolClass.id).where(
        SchoolClass.year_id == year.id, SchoolClass.journal_type == "criteria").limit(1)) \
        is not None


def _report_sheets(user: User, f: report_filters.Filters) -> list[Sheet]:
    classes = _criteria_classes(user, f)
    by_id = {c.id: c for c in classes}
    pages = [p for p in db.session.scalars(
        select(SubjectPage).where(SubjectPage.class_id.in_(list(by_id))))
        if policy.can_read_page(user, p)]
    order = {cid: n for n, cid in enumerate(by_id)}
    locale = str(get_locale())
    pages.sort(key=lambda p: (order[p.class_id], p.subject.name(locale).casefold(), p.id))
    args = {"period": f.period.id} if f.period else {}
    rows = [[p.school_class.name, Link(p.subject.name(locale),
                                       url_for("reports.summative", page_id=p.id, **args)),
             p.teacher.name,
             Link(_("PDF"), url_for("reports.summative_pdf", page_id=p.id, **args)),
             Link(_("XLSX"), url_for("reports.summative_xlsx", page_id=p.id, **args))]
            for p in pages]
    sheets = [Sheet(_("Analysis of SAU and SAT"),
                    [Column("class", _("Class"), width=8), Column("subject", _("Subject"), width=30),
                     Column("teacher", _("Teacher"), width=24), Column("pdf", "PDF", width=8),
                     Column("xlsx", "XLSX", width=8)], rows,
                    empty=_("No criteria-based pages in the classes chosen."))]
    leading = [c for c in classes if policy.can_issue_transfer_extracts_of(user, c)]
    if leading:
        sheets.append(_transfer_sheet(leading, f))
    return sheets


def _transfer_sheet(classes: list[SchoolClass], f: report_filters.Filters) -> Sheet:
    """The pupils of the classes with a link to each one's transfer extract (one query)."""
    on = min(clock.today(), f.year.end_date) if f.year else clock.today()
    order = {c.id: n for n, c in enumerate(classes)}
    names = {c.id: c.name for c in classes}
    found = db.session.execute(
        select(Pupil, Enrolment.class_id).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id.in_(list(order)), Enrolment.start_date <= on,
               (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= on))
        .order_by(Person.last_name, Person.first_name, Person.patronymic, Pupil.id)).all()
    year = {"year": f.year.id} if f.year else {}
    rows = [[names[cid], Link(p.name, url_for("reports.summative_transfer_pdf", pupil_id=p.id,
                                              **year))]
            for p, cid in sorted(found, key=lambda r: order[r[1]])]
    return Sheet(_("Transfer extracts"), [Column("class", _("Class"), width=8),
                                          Column("pupil", _("Pupil"), width=40)], rows,
                 empty=_("No pupils in the classes chosen."))


register(Report("summative", title=lambda: _l("Analysis of SAU and SAT"), may=_may,
                build=_report_sheets, filters=("year", "period", "class"),
                about=lambda: _l("Criteria-based classes: pupils by level of achievement, "
                                 "quality and success per work and period (приказ № 130, "
                                 "Appendix 8); the transfer extract of a pupil who moves "
                                 "school."), order=85))
