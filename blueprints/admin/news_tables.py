"""News and the calendar in the back-office grid (issue 20): the deputy and the administrator
publish, the director reads. The rules (the audience's grade or class, dates, a deputy's
level) are services.news.check_item; what the families then read is services.news."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.admin.grid import Access, Col, Table
from extensions import db
from models import SchoolClass
from models.notices import NEWS_BODY_MAX, TITLE_MAX, NewsItem
from services import news
from services import school as school_service

PUBLISHERS = ("admin", "deputy")  # policy.can_publish_news
READERS = ("admin", "director", "deputy")


def audiences():
    return [("all", _l("the whole school")), ("grade", _l("a parallel (grade)")),
            ("class", _l("a class")), ("staff", _l("staff only"))]


def _classes() -> list[tuple[int, str]]:
    year = school_service.current_year()
    return [(c.id, c.name) for c in school_service.classes_of_year(year)] if year else []


def _grades() -> list[tuple[int, str]]:
    year = school_service.current_year()
    grades = db.session.scalars(db.select(SchoolClass.grade).distinct().where(
        SchoolClass.year_id == year.id)) if year else []
    return [(g, str(g)) for g in sorted(grades)]


def _defaults() -> dict:
    return {"author_id": current_user.id}


NEWS = Table(
    "news", _l("News and calendar"), NewsItem, (
        Col("title", _l("Title"), max_length=TITLE_MAX),
        Col("body", _l("Text"), "longtext", required=False, max_length=NEWS_BODY_MAX,
            listed=False, sortable=False),
        Col("starts_on", _l("Date (first day)"), "date", filter="date"),
        Col("ends_on", _l("Last day (for several days)"), "date", required=False),
        Col("audience", _l("For whom"), "choice", choices=audiences, filter="choice"),
        Col("grade", _l("Grade (for a parallel)"), "choice", choices=_grades, required=False),
        Col("class_id", _l("Class (for a class)"), "choice", choices=_classes, required=False),
        Col("pinned", _l("Pinned announcement (at the top until its last day)"), "bool",
            filter="bool"),
    ),
    order_by=(NewsItem.starts_on.desc(),), defaults=_defaults,
    check=lambda row: news.check_item(row, current_user),
    scope=news.rows_in_reach, search=lambda: [NewsItem.title, NewsItem.body],
    access=Access(list=READERS, edit=PUBLISHERS, export=READERS, import_=(),
                  history=READERS),
)

NEWS_TABLES: dict[str, Table] = {NEWS.key: NEWS}
