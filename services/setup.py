"""A real school's start: the school card and its first administrator, nothing else (the
demo school is built by services.demo instead). Used by `flask --app app school create` and
by the first-run page, which is open only while the database has no school."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from extensions import db
from models import AcademicYear, Person, School, Staff, StudyPeriod, User, UserRole
from services import clock, settings_cache
from services.accounts.passwords import check_new_password
from services.people.common import PeopleError, PersonData, apply_person


@dataclass
class NewSchool:
    name: str
    short_name: str
    timezone: str
    locale: str
    admin: PersonData
    username: str
    password: str


def has_school() -> bool:
    return db.session.scalar(select(func.count()).select_from(School)) > 0


def create_school(data: NewSchool) -> User:
    """The school card, this academic year with its quarters and half-years, and the first
    administrator (a staff card and an account with the typed password). Raises PeopleError
    when a school exists already or a value is refused."""
    if has_school():
        raise PeopleError(_("This journal already has a school."))
    if not data.name.strip() or not data.short_name.strip():
        raise PeopleError(_("Give the school's full and short names."), "name")
    if not clock.is_zone(data.timezone):
        raise PeopleError(_("Unknown time zone: write it like Asia/Almaty or Europe/Moscow."),
                          "timezone")
    username = data.username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise PeopleError(_("A username is Latin letters and digits (dots allowed)."),
                          "username")
    school = School(name=data.name.strip(), short_name=data.short_name.strip(),
                    timezone=data.timezone, default_locale=data.locale, is_demo=False)
    try:
        check_new_password(data.password, school, username)
    except ValueError as error:
        raise PeopleError(getattr(error, "message", str(error)), "password") from None
    data.admin.check(clock.today())
    db.session.add(school)
    _add_year(clock.today())
    person = Person(last_name="", first_name="", sex=data.admin.sex)
    apply_person(person, data.admin)
    db.session.add_all([person, Staff(person=person, position=_("Journal administrator"),
                                      hired_on=clock.today())])
    user = User(username=username, person=person, locale=data.locale,
                issued_at=clock.utcnow().replace(tzinfo=None))
    user.set_password(data.password)
    user.roles = [UserRole(role="admin")]
    db.session.add(user)
    db.session.flush()
    settings_cache.forget()
    return user


def _add_year(today: dt.date) -> None:
    """The academic year around today with the usual quarters and half-years, to be
    corrected on the year's page: a school starts with its journal usable."""
    start = today.year if today.month >= 7 else today.year - 1
    year = AcademicYear(name=f"{start}/{start + 1}", start_date=dt.date(start, 9, 1),
                        end_date=dt.date(start + 1, 5, 31), is_current=True)
    db.session.add(year)
    db.session.flush()
    quarters = [((start, 9, 1), (start, 10, 26)), ((start, 11, 4), (start, 12, 28)),
                ((start + 1, 1, 9), (start + 1, 3, 21)), ((start + 1, 4, 1), (start + 1, 5, 25))]
    halves = [((start, 9, 1), (start, 12, 28)), ((start + 1, 1, 9), (start + 1, 5, 25))]
    for scheme, dates in (("quarter", quarters), ("half", halves)):
        for n, (begin, end) in enumerate(dates, start=1):
            db.session.add(StudyPeriod(year_id=year.id, scheme=scheme, number=n,
                                       start_date=dt.date(*begin), end_date=dt.date(*end)))
