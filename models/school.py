"""The school, its settings, academic years, study periods, classes and subgroups."""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.people import Staff

PERIOD_SCHEMES = ("quarter", "half", "trimester")
LANGUAGES = ("ru", "kk")


# The grades of each level a deputy may be limited to (SchoolClass.level names them).
LEVEL_GRADES = {"primary": (0, 4), "basic": (5, 9), "secondary": (10, 12)}
ALL_NOTICE_KINDS = "absence,mark,low_mark,homework,predicted,period"


class School(db.Model):
    """The one school of this instance; its columns are the school settings (DOMAIN.md 4, 8)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    # Grades in which no marks or homework are entered, only attendance ("1" or "1,2").
    no_marks_grades: Mapped[str] = mapped_column(String(40), default="1")
    allow_mark_one: Mapped[bool] = mapped_column(default=False)
    allow_pass_fail: Mapped[bool] = mapped_column(default=True)
    # Edit-lock windows in days, counted from the lesson date (001 5.5, IV 4.1).
    lock_days_current: Mapped[int] = mapped_column(default=2)
    lock_days_control: Mapped[int] = mapped_column(default=7)
    lock_days_essay: Mapped[int] = mapped_column(default=14)
    lock_days_final: Mapped[int] = mapped_column(default=7)
    # Lowest fraction that rounds up: 0.5 means 4.50 -> 5, 0.6 means 4.60 -> 5.
    round_up_from: Mapped[float] = mapped_column(default=0.5)
    default_work_type_code: Mapped[str] = mapped_column(String(20), default="lesson")
    default_locale: Mapped[str] = mapped_column(String(5), default="ru")
    # The school's IANA time zone: "today" for every rule is the date there (services.clock).
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Almaty",
                                          server_default="Asia/Almaty")
    # Fewer current marks than this in a period predict "н/а" (not attested): DOMAIN.md 8.
    min_marks_for_period: Mapped[int] = mapped_column(default=3, server_default="3")
    # Parents hear of a period mark below the predicted one this many lessons before the
    # period ends, at the latest (001 3.2.4).
    notice_lessons_before: Mapped[int] = mapped_column(default=3, server_default="3")
    # Generated data for trying the product: every page says so, and only it may keep the
    # well-known demo password.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default="0")
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The address people type to reach the journal, printed on credential slips.
    server_url: Mapped[str] = mapped_column(String(200), default="", server_default="")
    min_password_length: Mapped[int] = mapped_column(default=8, server_default="8")
    # Account timings of 001 III 3.1, in days: staff get access within N days of starting,
    # families within N days of enrolment (with consent), access ends within N days of leaving.
    staff_access_days: Mapped[int] = mapped_column(default=3, server_default="3")
    family_access_days: Mapped[int] = mapped_column(default=5, server_default="5")
    access_end_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # A session nobody used for this many minutes ends (a phone left on a bus, a shared
    # computer in the staff room); "remember me" keeps one for REMEMBER_DAYS instead.
    session_idle_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    # The home page warns the administrator when the last good backup is older than this.
    backup_warn_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # Which journal notices the school sends parents (issue 20): a comma list of
    # models.notices.NOTICE_KINDS; each parent may switch off what the school sends.
    notice_kinds: Mapped[str] = mapped_column(
        String(80), default=ALL_NOTICE_KINDS, server_default=ALL_NOTICE_KINDS)
    # A parent's message unanswered after this many school days is flagged (001 3.2.5).
    reply_days: Mapped[int] = mapped_column(default=2, server_default="2")
    # The hour (school time) the daily e-mail digest goes to parents who chose it.
    digest_hour: Mapped[int] = mapped_column(default=18, server_default="18")

    __table_args__ = (
        CheckConstraint("lock_days_current BETWEEN 0 AND 60", name="lock_current"),
        CheckConstraint("lock_days_control BETWEEN 0 AND 60", name="lock_control"),
        CheckConstraint("lock_days_essay BETWEEN 0 AND 60", name="lock_essay"),
        CheckConstraint("lock_days_final BETWEEN 0 AND 60", name="lock_final"),
        CheckConstraint("round_up_from > 0 AND round_up_from < 1", name="round_up_from"),
        CheckConstraint("default_locale IN ('ru', 'kk')", name="default_locale"),
        CheckConstraint("min_marks_for_period BETWEEN 0 AND 20", name="min_marks"),
        CheckConstraint("notice_lessons_before BETWEEN 0 AND 10", name="notice_lessons"),
        CheckConstraint("timezone <> ''", name="timezone"),
        CheckConstraint("min_password_length BETWEEN 6 AND 64", name="min_password"),
        CheckConstraint("staff_access_days BETWEEN 0 AND 30 AND family_access_days BETWEEN 0 "
                        "AND 30 AND access_end_days BETWEEN 0 AND 30", name="access_days"),
        CheckConstraint("session_idle_minutes BETWEEN 5 AND 1440", name="session_idle"),
        CheckConstraint("backup_warn_days BETWEEN 1 AND 90", name="backup_warn"),
        CheckConstraint("reply_days BETWEEN 1 AND 10", name="reply_days"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour"),
    )

    def no_marks_grade_set(self) -> set[int]:
        """The grades where only attendance is kept, from the setting (saved clean: "1,2").

        Never raises: a value stored before it was checked on save must not stop every
        mark of the school from saving (issue 14); what is not a grade is left out.
        """
        return parse_grades(self.no_marks_grades, strict=False)


def parse_grades(text: str | None, strict: bool = True) -> set[int]:
    """Grades 0-12 from "1, 2" or "1,2". Raises ValueError (with the bad part) when strict.

    Only ASCII digits count: "²".isdigit() is true, and int("²") fails.
    """
    grades: set[int] = set()
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if re.fullmatch(r"[0-9]{1,2}", part) and int(part) <= 12:
            grades.add(int(part))
        elif strict:
            raise ValueError(part)
    return grades


class AcademicYear(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)  # "2026/2027"
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    is_current: Mapped[bool] = mapped_column(default=False)
    closed: Mapped[bool] = mapped_column(default=False)
    # The criteria-based quarter percentage (DOMAIN.md 8): the shares, in percent, of the
    # formative marks (ФО), the section works (СОР) and the quarter work (СОЧ). A per-year
    # setting: 50 % СОР + 50 % СОЧ is the common rule; 2020-21 used 25 / 25 / 50.
    fo_weight: Mapped[int] = mapped_column(default=0, server_default="0")
    sor_weight: Mapped[int] = mapped_column(default=50, server_default="50")
    soch_weight: Mapped[int] = mapped_column(default=50, server_default="50")

    periods: Mapped[list[StudyPeriod]] = relationship(
        back_populates="year", order_by="StudyPeriod.start_date"
    )

    __table_args__ = (
        CheckConstraint("end_date > start_date", name="dates"),
        CheckConstraint("fo_weight BETWEEN 0 AND 100 AND sor_weight BETWEEN 0 AND 100 AND "
                        "soch_weight BETWEEN 0 AND 100 AND "
                        "fo_weight + sor_weight + soch_weight = 100", name="weights"),
    )


class StudyPeriod(db.Model):
    """A quarter, half-year or trimester of one academic year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(12))
    number: Mapped[int]
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]

    year: Mapped[AcademicYear] = relationship(back_populates="periods")

    __table_args__ = (
        UniqueConstraint("year_id", "scheme", "number"),
        CheckConstraint("scheme IN ('quarter', 'half', 'trimester')", name="scheme"),
        CheckConstraint("number BETWEEN 1 AND 4", name="number"),
        CheckConstraint("end_date > start_date", name="dates"),
    )

    def contains(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class SchoolClass(db.Model):
    """A class such as 5 «А» in one academic year."""

    __tablename__ = "school_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    grade: Mapped[int]
    letter: Mapped[str] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    period_scheme: Mapped[str] = mapped_column(String(12), default="quarter")
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A five- or six-day week: the timetable has no Saturday lessons in a five-day class.
    days_per_week: Mapped[int] = mapped_column(default=5, server_default="5")
    # "classic" (5-point marks) or "criteria" (ФО, СОР and СОЧ: models.summative).
    journal_type: Mapped[str] = mapped_column(String(8), default="classic",
                                              server_default="classic")

    year: Mapped[AcademicYear] = relationship()
    class_teacher: Mapped[Staff | None] = relationship()
    subgroups: Mapped[list[Subgroup]] = relationship(back_populates="school_class")

    __table_args__ = (
        UniqueConstraint("year_id", "grade", "letter"),
        CheckConstraint("grade BETWEEN 0 AND 12", name="grade"),
        CheckConstraint("language IN ('ru', 'kk')", name="language"),
        CheckConstraint("period_scheme IN ('quarter', 'half', 'trimester')", name="scheme"),
        CheckConstraint("days_per_week IN (5, 6)", name="days_per_week"),
        CheckConstraint("journal_type IN ('classic', 'criteria')", name="journal_type"),
    )

    @property
    def is_criteria(self) -> bool:
        return self.journal_type == "criteria"

    @property
    def name(self) -> str:
        return f"{self.grade} «{self.letter}»"

    @property
    def level(self) -> str:
        """primary (1-4), basic (5-9) or secondary (10-11): deputies may be limited to one."""
        if self.grade <= 4:
            return "primary"
        return "basic" if self.grade <= 9 else "secondary"


class Subgroup(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))

    school_class: Mapped[SchoolClass] = relationship(back_populates="subgroups")

    __table_args__ = (UniqueConstraint("class_id", "name"),)


class SubgroupMember(db.Model):
    """A pupil in a subgroup over dates: moved to the other group from a day, the pupil's
    marks stay on the lessons of the first group (they belong to the lesson, not the group)."""

    __tablename__ = "subgroup_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroup.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    # None: since the start of the year / until its end.
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    __table_args__ = (
        UniqueConstraint("subgroup_id", "pupil_id", "start_date"),
        Index("ix_subgroup_member_pupil", "pupil_id"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                        name="dates"),
    )



class CardCheck(db.Model):
    """The class teacher confirmed in a month that the class's pupil cards are correct
    (003 4.1): who, when."""

    __tablename__ = "card_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-11"
    checked_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(default=lambda: dt.datetime.now(dt.UTC))

    __table_args__ = (UniqueConstraint("class_id", "month"),)
