"""The school's reference tables, each described in a few lines for the grid."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.admin.grid import Col, Table
from blueprints.admin.load_tables import LOAD_TABLES
from blueprints.admin.news_tables import NEWS_TABLES
from blueprints.admin.year_tables import YEAR_TABLES, scheme_choices
from extensions import db
from models import Bell, School, SchoolClass, Staff, Subject, User, UserRole, WorkType
from services import clock, lesson_gen
from services import school as school_service
from services.notices import prefs as notice_prefs
from services.periods import rules as year_rules
from services.summative import admin_rules as summative_rules
from services.timetable import week as timetable_week


def _teachers() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        db.select(Staff).join(User, User.person_id == Staff.person_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "teacher", Staff.left_on.is_(None)))
    return sorted(((s.id, s.person.short_name) for s in rows), key=lambda r: r[1])


def _lock_rules():
    return [("current", _l("current work")), ("control", _l("control work")),
            ("essay", _l("essay (Russian, grades 10-11)"))]


def _languages():
    return [("ru", _l("Russian")), ("kk", _l("Kazakh"))]


def _journal_types():
    return [("classic", _l("classic (5-point)")), ("criteria", _l("criteria-based (FA, SAU, SAT)"))]


def _put_journal_type(row: SchoolClass, value) -> None:
    # Left empty (a form or a file from before issue 21), a class keeps its journal.
    row.journal_type = value or row.journal_type or "classic"


def _check_class(row: SchoolClass) -> str | None:
    """A journal type changes only in an empty journal; a five-day week keeps its lessons."""
    return summative_rules.journal_type_refusal(row) or timetable_week.five_day_conflict(row)


def _week_lengths():
    return [(5, _l("five days")), (6, _l("six days"))]


def _put_scheme(row: SchoolClass, value) -> None:
    # Left empty, a class follows its grade's scheme: quarters 1-9, half-years 10-11.
    row.period_scheme = value or year_rules.default_scheme(row.grade)


def _zones():
    return [(z, z) for z in clock.zone_choices()]


def _bells_apart(bell: Bell) -> str | None:
    """A bell ends after it starts and overlaps no other lesson's bell."""
    if bell.starts is None or bell.ends is None:
        return None
    if bell.ends <= bell.starts:
        return _("The lesson must end after it starts.")
    others = db.session.scalars(db.select(Bell).where(Bell.id != bell.id) if bell.id
                                else db.select(Bell))
    for other in others:
        if other is not bell and bell.starts < other.ends and other.starts < bell.ends:
            return _("Lesson %(n)s (%(start)s–%(end)s) overlaps lesson %(m)s (%(start2)s–"
                     "%(end2)s).", n=bell.number, start=bell.starts.strftime("%H:%M"),
                     end=bell.ends.strftime("%H:%M"), m=other.number,
                     start2=other.starts.strftime("%H:%M"), end2=other.ends.strftime("%H:%M"))
    return None


def _clean_url(text: str) -> str:
    """An http(s) address with a host, without the trailing slash; empty stays empty."""
    url = (text or "").strip().rstrip("/")
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
    except ValueError:  # e.g. an unclosed [IPv6 address
        ok = False
    if url and not ok:
        raise ValueError(_("Write the address as the browser shows it, for example "
                           "https://tabel.school.kz"))
    return url


def _current_year_filter():
    year = school_service.current_year()
    return SchoolClass.year_id == (year.id if year else -1)


def _class_defaults() -> dict:
    year = school_service.current_year()
    return {"year_id": year.id if year else None}


TABLES: dict[str, Table] = {t.key: t for t in (
    Table("subjects", _l("Subjects"), Subject, (
        Col("code", _l("Code"), max_length=30),
        Col("name_ru", _l("Name in Russian")),
        Col("name_kk", _l("Name in Kazakh")),
    ), order_by=(Subject.name_ru,), import_key=("code",)),
    Table("work-types", _l("Work types"), WorkType, (
        Col("code", _l("Code"), max_length=20),
        Col("name_ru", _l("Name in Russian"), max_length=60),
        Col("name_kk", _l("Name in Kazakh"), max_length=60),
        Col("weight", _l("Weight"), "int", min=1, max=10),
        Col("lock_rule", _l("Edit window"), "choice", choices=_lock_rules),
        Col("position", _l("Order"), "int", min=0, max=99),
    ), order_by=(WorkType.position, WorkType.id), import_key=("code",)),
    Table("bells", _l("Bells"), Bell, (
        Col("number", _l("Lesson"), "int", min=0, max=12),
        Col("starts", _l("Starts"), "time"),
        Col("ends", _l("Ends"), "time"),
    ), order_by=(Bell.number,), check=_bells_apart, import_key=("number",)),
    Table("classes", _l("Classes"), SchoolClass, (
        Col("grade", _l("Grade"), "int", min=0, max=12),
        Col("letter", _l("Letter"), max_length=4),
        Col("language", _l("Language"), "choice", choices=_languages),
        Col("period_scheme", _l("Study periods"), "choice", choices=scheme_choices,
            required=False, put=_put_scheme),
        Col("days_per_week", _l("School week"), "choice", choices=_week_lengths),
        Col("class_teacher_id", _l("Class teacher"), "choice", required=False,
            choices=_teachers),
        Col("journal_type", _l("Journal"), "choice", choices=_journal_types, filter="choice",
            required=False, put=_put_journal_type),
    ), order_by=(SchoolClass.grade, SchoolClass.letter), query_filter=_current_year_filter,
        defaults=_class_defaults, import_key=("grade", "letter"),
        check=_check_class, after_change=lesson_gen.follow_calendar),
    Table("settings", _l("School settings"), School, (
        Col("name", _l("Full name of the school"), max_length=200),
        Col("short_name", _l("Short name"), max_length=60),
        Col("no_marks_grades", _l("Grades without marks (e.g. 1 or 1,2)"), required=False,
            max_length=40, clean=year_rules.clean_grades),
        Col("allow_mark_one", _l("Mark 1 is allowed"), "bool"),
        Col("allow_pass_fail", _l("Pass/fail period marks are allowed"), "bool"),
        Col("lock_days_current", _l("Days to correct current marks and absences"), "int",
            min=0, max=60),
        Col("lock_days_control", _l("Days to correct control work marks"), "int", min=0, max=60),
        Col("lock_days_essay", _l("Days to correct essays (grades 10-11)"), "int",
            min=0, max=60),
        Col("lock_days_final", _l("Days after a period to correct its marks"), "int",
            min=0, max=60),
        Col("round_up_from", _l("An average rounds up from this fraction (0.5 = 4.50 → 5)"),
            "decimal", min=0.01, max=0.99),
        Col("min_marks_for_period", _l("Fewer current marks than this give н/а (not attested)"),
            "int", min=0, max=20),
        Col("notice_lessons_before", _l("Parents are told of a lower period mark at least this "
                                        "many lessons before the period ends"), "int",
            min=0, max=10),
        Col("default_locale", _l("Default language"), "choice", choices=_languages),
        Col("timezone", _l("Time zone of the school"), "choice", choices=_zones),
        Col("session_idle_minutes", _l("Minutes without activity after which a sign-in ends"),
            "int", min=5, max=1440),
        Col("backup_warn_days", _l("Warn when the last good backup is older than (days)"),
            "int", min=1, max=90),
        Col("server_url", _l("The journal's address as people type it (https://…), for "
                             "credential slips and the links in e-mails"), required=False,
            max_length=200, clean=_clean_url),
        Col("notice_kinds", _l("Notices the school sends parents (some of absence, mark, "
                               "low_mark, homework, predicted, period)"), required=False,
            max_length=80, clean=notice_prefs.clean_school_kinds),
        Col("reply_days", _l("School days a parent's message may wait for an answer"), "int",
            min=1, max=10),
        Col("digest_hour", _l("Hour of the daily e-mail digest to parents (0-23)"), "int",
            min=0, max=23),
    ), single=True),
)}
TABLES.update(YEAR_TABLES)  # years, study periods, holidays (issue 16)
TABLES.update(LOAD_TABLES)  # the curriculum and the exam list (issue 16)
TABLES.update(NEWS_TABLES)  # news and the calendar (issue 20)
