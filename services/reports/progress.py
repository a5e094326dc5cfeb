"""Report 1 (issue 18): the summary progress sheet (сводная ведомость учета успеваемости) of
a class for a period, or for the year (year marks): pupils × subjects with their marks, then
per subject and for the whole class the counts, успеваемость, качество and СОУ
(services.reports.stats), and the reserve lists. The loader below reads any number of
classes in three queries; the quality report (services.reports.quality) counts with it too.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from extensions import db
from models import Enrolment, FinalMark, Person, Pupil, SchoolClass, StudyPeriod, SubjectPage, User
from services import policy
from services import school as school_service
from services.journal import final_label
from services.reports import filters as report_filters
from services.reports import stats
from services.reports.registry import Report, register
from services.reports.sheet import Column, Sheet, Typed


@dataclass
class Member:
    """A pupil listed on a class's sheet; `left` is the day an enrolment ended inside the
    period (listed, not counted)."""

    pupil_id: int
    name: str
    left: dt.date | None = None


@dataclass
class ClassMarks:
    """One class's final marks for one period (None: year marks)."""

    school_class: SchoolClass
    period: StudyPeriod | None
    members: list[Member] = field(default_factory=list)
    pages: list[SubjectPage] = field(default_factory=list)
    # (pupil id, subject id) -> (label for counting, text shown, teacher id of the page)
    marks: dict[tuple[int, int], tuple[str | None, str, int]] = field(default_factory=dict)

    @cached_property
    def subjects(self) -> list:
        """The class's subjects (subgroup pages merged), in the curriculum's order (read
        once the pages are loaded)."""
        seen = {p.subject_id: p.subject for p in self.pages}
        return [seen[k] for k in sorted(seen)]

    @property
    def counted(self) -> list[Member]:
        """The pupils enrolled at the end of the period: those the figures count."""
        return [m for m in self.members if m.left is None]

    def label(self, pupil_id: int, subject_id: int) -> str | None:
        found = self.marks.get((pupil_id, subject_id))
        return found[0] if found else None

    def subject_stats(self, subject_id: int, teacher_id: int | None = None) -> stats.Stats:
        """The figures of one subject (of one teacher's pages, if given)."""
        return self._tallies.get((subject_id, teacher_id)) or stats.Stats()

    @cached_property
    def _tallies(self) -> dict[tuple[int, int | None], stats.Stats]:
        """Every subject's and subject teacher's figures, in one pass over the marks."""
        counted = {m.pupil_id for m in self.counted}
        labels: dict[tuple[int, int | None], list] = defaultdict(list)
        for (pupil_id, subject_id), (name, _text, teacher_id) in self.marks.items():
            if pupil_id in counted:
                labels[subject_id, None].append(name)
                labels[subject_id, teacher_id].append(name)
        for s in self.subjects:  # the counted pupils without a mark
            labels[s.id, None] += [None] * (len(counted) - len(labels[s.id, None]))
        return {key: stats.tally(names) for key, names in labels.items()}

    def pupil_label(self, pupil_id: int) -> str | None:
        return stats.worst(self.label(pupil_id, s.id) for s in self.subjects)

    @cached_property
    def whole(self) -> stats.Stats:
        """The class's figures: each counted pupil once, by their lowest mark."""
        return stats.tally(self.pupil_label(m.pupil_id) for m in self.counted)


def own_periods(classes: list[SchoolClass], period: StudyPeriod | None
                ) -> dict[int, StudyPeriod | None]:
    """Each class's own period for the one asked (half-year classes...), one look-up per
    period scheme rather than per class."""
    by_scheme: dict[str, StudyPeriod | None] = {}
    for cls in classes:
        if cls.period_scheme not in by_scheme:
            by_scheme[cls.period_scheme] = report_filters.period_of_class(cls, period)
    return {cls.id: by_scheme[cls.period_scheme] for cls in classes}


def _window(cls: SchoolClass, period: StudyPeriod | None) -> tuple[dt.date, dt.date]:
    return (period.start_date, period.end_date) if period else \
        (cls.year.start_date, cls.year.end_date)


def load(classes: list[SchoolClass], periods: dict[int, StudyPeriod | None]
         ) -> list[ClassMarks]:
    """The marks of the classes, each for its period in `periods` (None: year marks), in
    three queries whatever the number of classes."""
    out = {c.id: ClassMarks(c, periods.get(c.id)) for c in classes}
    if not out:
        return []
    _load_members(out)
    pages = db.session.scalars(select(SubjectPage).where(SubjectPage.class_id.in_(out)))
    page_of = {}
    for page in pages:
        out[page.class_id].pages.append(page)
        page_of[page.id] = page
    _load_marks(out, page_of)
    return list(out.values())


def _load_members(out: dict[int, ClassMarks]) -> None:
    windows = {cid: _window(cm.school_class, cm.period) for cid, cm in out.items()}
    first = min(w[0] for w in windows.values())
    last = max(w[1] for w in windows.values())
    rows = db.session.execute(
        select(Enrolment.class_id, Enrolment.pupil_id, Enrolment.start_date,
               Enrolment.end_date, Person.last_name, Person.first_name)
        .join(Pupil, Pupil.id == Enrolment.pupil_id).join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id.in_(out), Enrolment.start_date <= last,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))
        .order_by(Person.last_name, Person.first_name, Enrolment.start_date))
    seen: dict[tuple[int, int], Member] = {}
    for cid, pid, start, end, last_name, first_name in rows:
        begin, finish = windows[cid]
        if start > finish or (end is not None and end < begin):
            continue
        left = end if end is not None and end < finish else None
        member = seen.get((cid, pid))
        if member is None:
            seen[cid, pid] = member = Member(pid, f"{last_name} {first_name}", left)
            out[cid].members.append(member)
        else:  # enrolled again later in the period: the last enrolment decides
            member.left = left


def _load_marks(out: dict[int, ClassMarks], page_of: dict[int, SubjectPage]) -> None:
    if not page_of:
        return
    period_ids = {cm.period.id for cm in out.values() if cm.period is not None}
    wanted = [FinalMark.kind == "year"] if any(cm.period is None for cm in out.values()) \
        else []
    if period_ids:
        wanted.append(and_(FinalMark.kind == "period", FinalMark.period_id.in_(period_ids)))
    rows = db.session.execute(
        select(FinalMark.page_id, FinalMark.pupil_id, FinalMark.kind, FinalMark.period_id,
               FinalMark.value, FinalMark.special)
        .where(FinalMark.page_id.in_(page_of), or_(*wanted)))
    shown: dict[tuple, tuple[str | None, str]] = {}  # few distinct marks: label them once
    for page_id, pupil_id, kind, period_id, value, special in rows:
        page = page_of[page_id]
        cm = out[page.class_id]
        if (cm.period is None) != (kind == "year") or \
                (cm.period is not None and cm.period.id != period_id):
            continue
        if (value, special) not in shown:
            shown[value, special] = (stats.label(value, special), final_label(value, special))
        cm.marks[pupil_id, page.subject_id] = (*shown[value, special], page.teacher_id)


# -- the sheet --------------------------------------------------------------------------------

def period_name(period: StudyPeriod | None) -> str:
    """"Quarter 2 (05.11.2026 – 28.12.2026)", or "Year marks"."""
    if period is None:
        return _("Year marks")
    from services.corrections.log import period_title  # the one way periods are written
    return period_title(period)


def figure_titles() -> dict[str, str]:
    """The total rows' titles, translated once per report (gettext is slow per call)."""
    titles = {k: _("Marks «%(mark)s»", mark=k if k.isdigit() else final_label(None, k))
              for k in stats.LABELS}
    titles.update(n=_("Pupils counted (N)"), progress=_("Progress, %"),
                  quality=_("Quality, %"), sou=_("Degree of learning (SOU), %"))
    return titles


def figure_rows(groups: list[stats.Stats], titles: dict[str, str]) -> list[list]:
    """Total rows: a count per label shown, then N and the three percentages, a cell per
    group."""
    rows = [[titles[k], *(g[k] for g in groups)] for k in shown_labels(groups)]
    rows.append([titles["n"], *(g.n for g in groups)])
    for attr in ("progress", "quality", "sou"):
        rows.append([titles[attr], *(_pct(getattr(g, attr)) for g in groups)])
    return rows


def _pct(value: float | None) -> Typed | str:
    """A percentage under a grid of marks: a real percentage in XLSX, "—" without N."""
    return stats.NONE if value is None else Typed(round(value, 1), "pct")


def shown_labels(groups: list[stats.Stats]) -> list[str]:
    """5, 4, 3, 2, н/а and осв. always; 1, зачёт and незачёт where used."""
    return [k for k in ("5", "4", "3", "2", "1", "na", "exempt", "pass", "fail")
            if k not in ("1", "pass", "fail") or any(g[k] for g in groups)]


def reserve_notes(cm: ClassMarks) -> list[str]:
    """The pupils with a single 3, with a single 2, and the excellent ones."""
    names = {s.id: s.name(str(get_locale())) for s in cm.subjects}
    single3, single2, excellent = [], [], []
    for m in cm.counted:
        labels = {s.id: cm.label(m.pupil_id, s.id) for s in cm.subjects}
        graded = [(sid, k) for sid, k in labels.items() if k in stats.GRADED]
        lows = [(sid, k) for sid, k in graded if k not in ("5", "4")]
        if len(lows) == 1 and lows[0][1] in ("3", "2"):
            into = single3 if lows[0][1] == "3" else single2
            into.append(f"{m.name} ({names[lows[0][0]]})")
        elif graded and not lows and "fail" not in labels.values() and \
                all(k == "5" for _sid, k in graded):
            excellent.append(m.name)
    return [_("Pupils with a single «3»: %(names)s", names=", ".join(single3) or "—"),
            _("Pupils with a single «2»: %(names)s", names=", ".join(single2) or "—"),
            _("Excellent pupils: %(names)s", names=", ".join(excellent) or "—")]


WHOLE_NAMES = 10  # subjects a sheet names in full; more are abbreviated


def abbreviated(name: str) -> str:
    """"Изобразительное искусство" → "Изобр. искус.": words past 7 letters cut to 5, as paper
    summary sheets write subject columns."""
    return " ".join(w if len(w) <= 7 else f"{w[:5]}." for w in name.split())


def class_sheet(cm: ClassMarks, titles: dict[str, str], no_marks: bool = False) -> Sheet:
    """The summary sheet of one class (titles: figure_titles(); no_marks: its grade keeps
    attendance only)."""
    cls, locale = cm.school_class, str(get_locale())
    subjects = cm.subjects
    names = [s.name(locale) for s in subjects]
    if len(subjects) > WHOLE_NAMES:  # a landscape A4 page holds a long curriculum this way
        names = [abbreviated(n) for n in names]
    columns = [Column("pupil", _("Pupil"), "text", 24),
               *(Column(f"s{s.id}", n, "mark", 6) for s, n in zip(subjects, names, strict=True)),
               Column("class", _("Class"), "mark", 8)]
    sheet = Sheet(_("Summary progress sheet: %(cls)s", cls=cls.name), columns,
                  subtitle=f"{cls.year.name} · {period_name(cm.period)}", landscape=True,
                  signatures=[(_("Class teacher"), cls.class_teacher.name
                               if cls.class_teacher else ""), (_("Deputy director"), "")])
    if no_marks:
        sheet.empty = _("Grade %(grade)d keeps attendance only: no marks are entered.",
                        grade=cls.grade)
        return sheet
    if not cm.members:
        sheet.empty = _("No pupils were enrolled in this class in this period.")
        return sheet
    if not subjects:
        sheet.empty = _("This class has no subject pages.")
        return sheet
    for m in cm.members:
        name = m.name if m.left is None else _("%(name)s (left %(day)s)", name=m.name,
                                                  day=m.left.strftime("%d.%m.%Y"))
        sheet.rows.append([name, *(cm.marks.get((m.pupil_id, s.id), ("", "", 0))[1]
                                   for s in subjects), ""])
    groups = [cm.subject_stats(s.id) for s in subjects] + [cm.whole]
    sheet.totals = figure_rows(groups, titles)
    sheet.notes = reserve_notes(cm)
    if not cm.marks:
        sheet.notes.insert(0, _("No year marks have been entered yet.") if cm.period is None
                           else _("No period marks have been entered for this period yet."))
    return sheet


def readable_classes(user: User, f: report_filters.Filters) -> list[SchoolClass]:
    """The classes of the filters whose progress figures this user may read (per class)."""
    return [c for c in report_filters.classes(user, f)
            if policy.can_read_progress_reports(user, c)]


def build(user: User, f: report_filters.Filters) -> list[Sheet]:
    classes = readable_classes(user, f)
    titles = figure_titles()
    school = school_service.the_school()
    unmarked = school.no_marks_grade_set() if school else set()
    return [class_sheet(cm, titles, cm.school_class.grade in unmarked)
            for cm in load(classes, own_periods(classes, f.period))]


register(Report(
    "progress", title=lambda: _l("Summary progress sheet"),
    may=lambda user: policy.can_read_progress_reports(user), build=build,
    filters=("year", "period", "level", "grade", "class"),
    about=lambda: _l("Period or year marks of each class with the counts, progress, quality "
                     "and degree of learning per subject, and the reserve lists."),
    order=10))
