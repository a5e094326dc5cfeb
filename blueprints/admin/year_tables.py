"""The academic year in the back-office grid: years, study periods and holidays (issue 16),
and the criteria-based assessment's shares and per subject rules (issue 21).

The administrator keeps them; the director and the deputies read them. The rules (dates
inside the year, periods that do not overlap, one current year) are services.periods.rules.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from blueprints.admin.grid import Access, Col, Table
from blueprints.admin.load_tables import subject_choices
from models import AcademicYear, Holiday, StudyPeriod, SummativeRule
from services import lesson_gen
from services.periods import rules
from services.summative import admin_rules

LEADERSHIP = ("admin", "director", "deputy")
ACCESS = Access(list=LEADERSHIP, edit=("admin",), export=LEADERSHIP, import_=("admin",),
                history=("admin",))


def scheme_choices():
    return [("quarter", _l("quarters")), ("half", _l("half-years")),
            ("trimester", _l("trimesters"))]


def _kinds():
    return [("vacation", _l("vacation")), ("holiday", _l("public holiday"))]


def _in_year() -> dict:
    return {"year_id": rules.current_or_latest_year_id()}


def _keep_share(name: str, default: int):
    """Left empty (a form or a file from before issue 21), a year keeps its share, or takes
    the common 50 % СОР + 50 % СОЧ."""
    def put(row: AcademicYear, value) -> None:
        current = getattr(row, name)
        setattr(row, name, value if value is not None and value != "" else
                (current if current is not None else default))
    return put


def _year_col() -> Col:
    return Col("year_id", _l("Academic year"), "choice", choices=rules.years,
               filter="choice")


YEARS = Table(
    "years", _l("Academic years"), AcademicYear, (
        Col("name", _l("Name (e.g. 2026/2027)"), max_length=20),
        Col("start_date", _l("First day"), "date"),
        Col("end_date", _l("Last day"), "date"),
        Col("is_current", _l("Current year"), "bool", put=rules.set_current),
        Col("closed", _l("Closed"), "bool", editable=False),
        # The criteria-based journal's shares (DOMAIN.md 8); classic classes ignore them.
        Col("fo_weight", _l("Share of FA, %"), "int", min=0, max=100, required=False,
            put=_keep_share("fo_weight", 0)),
        Col("sor_weight", _l("Share of SAU, %"), "int", min=0, max=100, required=False,
            put=_keep_share("sor_weight", 50)),
        Col("soch_weight", _l("Share of SAT, %"), "int", min=0, max=100, required=False,
            put=_keep_share("soch_weight", 50)),
    ),
    order_by=(AcademicYear.start_date.desc(),), check=admin_rules.check_year, access=ACCESS,
    import_key=("name",), deletable=True, after_change=lesson_gen.follow_calendar,
    delete_refusal=rules.closed_year_refusal,
)

PERIODS = Table(
    "periods", _l("Study periods"), StudyPeriod, (
        _year_col(),
        Col("scheme", _l("Kind"), "choice", choices=scheme_choices, filter="choice"),
        Col("number", _l("Number"), "int", min=1, max=4),
        Col("start_date", _l("First day"), "date"),
        Col("end_date", _l("Last day"), "date"),
    ),
    order_by=(StudyPeriod.year_id.desc(), StudyPeriod.scheme, StudyPeriod.number),
    check=rules.check_period, defaults=_in_year, access=ACCESS,
    import_key=("year_id", "scheme", "number"), after_change=lesson_gen.follow_calendar,
    delete_refusal=rules.closed_year_refusal,
)

HOLIDAYS = Table(
    "holidays", _l("Holidays and vacations"), Holiday, (
        _year_col(),
        Col("kind", _l("Kind"), "choice", choices=_kinds, filter="choice"),
        Col("name", _l("Name"), required=False),
        Col("start_date", _l("First day"), "date", filter="date"),
        Col("end_date", _l("Last day"), "date"),
        Col("grades", _l("Only for grades (e.g. 1; empty: all)"), required=False,
            max_length=40, clean=rules.clean_grades),
    ),
    order_by=(Holiday.start_date,), check=rules.check_holiday, defaults=_in_year,
    access=ACCESS, import_key=("year_id", "start_date", "grades"),
    after_change=lesson_gen.follow_calendar,
    delete_refusal=rules.closed_year_refusal,
)

SUMMATIVE_RULES = Table(
    "summative-rules", _l("Summative assessment by subject"), SummativeRule, (
        _year_col(),
        Col("subject_id", _l("Subject"), "choice", choices=subject_choices, filter="choice"),
        Col("grade", _l("Grade"), "int", min=0, max=12),
        Col("has_soch", _l("Has a SAT"), "bool"),
        Col("by_half_year", _l("Marked per half-year"), "bool"),
    ),
    order_by=(SummativeRule.year_id.desc(), SummativeRule.grade, SummativeRule.subject_id),
    check=admin_rules.check_rule, defaults=_in_year, access=ACCESS,
    import_key=("year_id", "subject_id", "grade"), delete_refusal=rules.closed_year_refusal,
)

YEAR_TABLES: dict[str, Table] = {t.key: t for t in (YEARS, PERIODS, HOLIDAYS, SUMMATIVE_RULES)}
