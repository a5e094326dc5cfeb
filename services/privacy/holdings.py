"""What the school holds about one pupil, as tables the archive writes out as a PDF, CSV and
JSON: the card (health data included: it is the family's own), parents, classes, consents,
marks, summative works' points, absences with their reasons, period, year and exam marks, exam results, notices to
parents, the family's correction requests, the reader's own journal notices and messages
about the child, and who among the staff read the card or the diary and when (role, name
and time from the audit trail; nothing more of it).

Every table is read in one query; names are in the reader's language.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    AuditEvent,
    Consent,
    ConsentText,
    Conversation,
    ConversationMember,
    DataRequest,
    Enrolment,
    Exam,
    ExamResult,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    Message,
    MessageAttachment,
    Notice,
    ParentNotice,
    Person,
    Pupil,
    SchoolClass,
    StudyPeriod,
    Subject,
    SubjectPage,
    SummativeWork,
    User,
    WorkPoints,
    WorkType,
)
from services import audit_log, clock
from services import journal as rules
from services import school as school_service
from services.absences import REASON_LABELS
from services.corrections.log import period_title
from services.summative.schedule import kind_label

# Staff reads of a pupil's data, as the audit trail names them (DOMAIN.md 9).
READ_ACTIONS = {"pupil.read": _l("opened the card"), "pupil.diary_read": _l("opened the diary"),
                "pupil.extract_read": _l("opened the extract from the journal")}
MEDICAL = {"main": _l("main"), "preparatory": _l("preparatory"), "special": _l("special"),
           "exempt": _l("exempt from PE")}
RELATIONS = {"mother": _l("mother"), "father": _l("father"), "guardian": _l("guardian"),
             "parent": _l("parent")}


@dataclass
class Table:
    """One kind of data: a file name, a title, columns (key, label) and rows of values."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[list[Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip([k for k, _label in self.columns], row, strict=True))
                for row in self.rows]


@dataclass
class Holdings:
    """Everything gathered about a pupil on a day, in the reader's locale."""

    pupil: Pupil
    school_name: str
    made_on: dt.date
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _full(last: str, first: str, middle: str | None) -> str:
    return " ".join(p for p in (last, first, middle) if p)


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored instant (naive means UTC) at the school, to the minute."""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(clock.zone()).replace(tzinfo=None, second=0, microsecond=0)


def card(pupil: Pupil) -> Table:
    """The pupil card, field by field (health included)."""
    p = pupil.person
    sex = {"f": _("female"), "m": _("male")}.get(p.sex, p.sex)
    rows = [[_("Last name"), p.last_name], [_("First name"), p.first_name],
            [_("Patronymic"), p.patronymic], [_("Sex"), sex], [_("Date of birth"), p.birth_date],
            [_("Phone"), p.phone], [_("Email"), p.email], [_("Address"), p.address],
            [_("Class"), pupil.school_class.name if pupil.school_class else ""],
            [_("Enrolled on"), pupil.enrolled_on], [_("Left on"), pupil.left_on],
            [_("Consent recorded on"), pupil.consent_on],
            [_("PE medical group"), str(MEDICAL.get(pupil.medical_group or "", ""))],
            [_("Medical notes"), pupil.medical_notes], [_("Notes"), pupil.notes]]
    return Table("card", _("Pupil card"), [("field", _("Field")), ("value", _("Value"))], rows)


def guardians(pupil: Pupil) -> Table:
    """The parents and legal representatives linked to the pupil."""
    rows = db.session.execute(
        select(Person.last_name, Person.first_name, Person.patronymic, Guardian.relation)
        .join(Guardian, Guardian.person_id == Person.id).where(Guardian.pupil_id == pupil.id)
        .order_by(Guardian.id)).all()
    return Table("parents", _("Parents and legal representatives"),
                 [("name", _("Name")), ("relation", _("Who they are to the pupil"))],
                 [[_full(a, b, c), str(RELATIONS.get(r, r))] for a, b, c, r in rows])


def classes(pupil: Pupil) -> Table:
    """The classes the pupil was in, by the school's orders."""
    rows = db.session.execute(
        select(AcademicYear.name, SchoolClass.grade, SchoolClass.letter, Enrolment.start_date,
               Enrolment.end_date, Enrolment.order_no)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .where(Enrolment.pupil_id == pupil.id).order_by(Enrolment.start_date)).all()
    return Table("classes", _("Classes"),
                 [("year", _("School year")), ("class", _("Class")), ("from", _("From")),
                  ("to", _("To")), ("order", _("Order"))],
                 [[y, f"{g} «{letter}»", s, e, o] for y, g, letter, s, e, o in rows])


def consents(pupil: Pupil) -> Table:
    """Consents to personal-data processing given for the pupil, revoked ones too."""
    rows = db.session.execute(
        select(Person.last_name, Person.first_name, Person.patronymic, ConsentText.version,
               Consent.given_on, Consent.revoked_on)
        .join(Person, Person.id == Consent.giver_id)
        .join(ConsentText, ConsentText.id == Consent.text_id)
        .where(Consent.pupil_id == pupil.id).order_by(Consent.given_on, Consent.id)).all()
    return Table("consents", _("Consents to personal-data processing"),
                 [("given_by", _("Given by")), ("text", _("Consent text")),
                  ("given_on", _("Given on")), ("revoked_on", _("Revoked on"))],
                 [[_full(a, b, c), v, g, r] for a, b, c, v, g, r in rows])


def _lesson_rows(model, *columns):
    """A pupil's rows of a per-lesson table with the lesson's date, subject and year."""
    return (select(AcademicYear.name, Lesson.date, Lesson.lesson_number, Subject, *columns)
            .select_from(model).join(Lesson, Lesson.id == model.lesson_id)
            .join(SubjectPage, SubjectPage.id == Lesson.page_id)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
            .join(AcademicYear, AcademicYear.id == SchoolClass.year_id))


def marks(pupil: Pupil, locale: str) -> Table:
    """Every current mark with its date, subject, work type and comment."""
    rows = db.session.execute(
        _lesson_rows(Mark, Mark.value, WorkType, Mark.comment)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Mark.pupil_id == pupil.id)
        .order_by(Lesson.date, Lesson.lesson_number, Mark.position)).all()
    return Table("marks", _("Current marks"),
                 [("year", _("School year")), ("date", _("Date")), ("subject", _("Subject")),
                  ("mark", _("Mark")), ("work_type", _("Work type")), ("comment", _("Comment"))],
                 [[y, d, s.name(locale), v, w.name(locale), c]
                  for y, d, _n, s, v, w, c in rows])


def summative_points(pupil: Pupil, locale: str) -> Table:
    """Points of the criteria-based summative works (СОР, СОЧ) with their maxima."""
    rows = db.session.execute(
        select(AcademicYear.name, SummativeWork.date, Subject, SummativeWork.kind,
               SummativeWork.name, WorkPoints.points, SummativeWork.max_points)
        .select_from(WorkPoints).join(SummativeWork, SummativeWork.id == WorkPoints.work_id)
        .join(SubjectPage, SubjectPage.id == SummativeWork.page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .where(WorkPoints.pupil_id == pupil.id)
        .order_by(SummativeWork.date, SummativeWork.id)).all()
    return Table("summative", _("Summative works (SAU, SAT)"),
                 [("year", _("School year")), ("date", _("Date")), ("subject", _("Subject")),
                  ("kind", _("Kind")), ("work", _("Work")), ("points", _("Points")),
                  ("max", _("Maximum"))],
                 [[y, d, s.name(locale), kind_label(k), n, p, m]
                  for y, d, s, k, n, p, m in rows])


def attendance(pupil: Pupil, locale: str) -> Table:
    """Every absence and lateness, with its reason (illness included: the family's own)."""
    rows = db.session.execute(
        _lesson_rows(Attendance, Attendance.status, Attendance.reason)
        .where(Attendance.pupil_id == pupil.id)
        .order_by(Lesson.date, Lesson.lesson_number)).all()
    status = {"absent": _("absent"), "late": _("late")}
    return Table("attendance", _("Absences"),
                 [("year", _("School year")), ("date", _("Date")), ("lesson", _("Lesson")),
                  ("subject", _("Subject")), ("status", _("Status")), ("reason", _("Reason"))],
                 [[y, d, n, s.name(locale), status.get(st, st),
                   str(REASON_LABELS[r]) if r in REASON_LABELS else ""]
                  for y, d, n, s, st, r in rows])


def final_marks(pupil: Pupil, locale: str) -> Table:
    """Period, year and exam marks by year and subject."""
    rows = db.session.execute(
        select(AcademicYear.name, Subject, FinalMark, StudyPeriod)
        .join(SubjectPage, SubjectPage.id == FinalMark.page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .outerjoin(StudyPeriod, StudyPeriod.id == FinalMark.period_id)
        .where(FinalMark.pupil_id == pupil.id)
        .order_by(AcademicYear.start_date, Subject.name_ru, StudyPeriod.start_date)).all()
    kinds = {"year": _("year mark"), "exam": _("exam mark")}
    return Table("final_marks", _("Period, year and exam marks"),
                 [("year", _("School year")), ("subject", _("Subject")), ("kind", _("Period")),
                  ("mark", _("Mark"))],
                 [[y, s.name(locale), period_title(p) if p else kinds.get(f.kind, f.kind),
                   rules.final_label(f.value, f.special)] for y, s, f, p in rows])


def exam_results(pupil: Pupil, locale: str) -> Table:
    """Results of the final attestation (ОГЭ, ЕГЭ, ҰБТ...)."""
    rows = db.session.execute(
        select(AcademicYear.name, Exam, ExamResult)
        .join(Exam, Exam.id == ExamResult.exam_id)
        .join(AcademicYear, AcademicYear.id == ExamResult.year_id)
        .where(ExamResult.pupil_id == pupil.id).order_by(AcademicYear.start_date)).all()
    return Table("exam_results", _("Exam results"),
                 [("year", _("School year")), ("exam", _("Exam")), ("date", _("Date")),
                  ("points", _("Points")), ("mark", _("Mark"))],
                 [[y, e.name(locale), r.taken_on, r.points, r.mark] for y, e, r in rows])


def notices(pupil: Pupil, locale: str) -> Table:
    """The teachers' records that the parents were told of a low period mark (001 3.2.4)."""
    rows = db.session.execute(
        select(Subject, StudyPeriod, ParentNotice.parents_told, ParentNotice.told_on)
        .join(SubjectPage, SubjectPage.id == ParentNotice.page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(StudyPeriod, StudyPeriod.id == ParentNotice.period_id)
        .where(ParentNotice.pupil_id == pupil.id).order_by(StudyPeriod.start_date)).all()
    return Table("notices", _("Notices to parents"),
                 [("subject", _("Subject")), ("period", _("Period")),
                  ("told", _("Parents told")), ("told_on", _("Told on"))],
                 [[s.name(locale), period_title(p), _("yes") if told else _("no"), on]
                  for s, p, told, on in rows])


def requests(pupil: Pupil) -> Table:
    """The family's correction requests and their answers."""
    rows = db.session.scalars(select(DataRequest).where(DataRequest.pupil_id == pupil.id)
                              .order_by(DataRequest.created_at)).all()
    status = {"open": _("waiting for an answer"), "answered": _("answered")}
    return Table("requests", _("Requests for a correction"),
                 [("asked_at", _("Asked")), ("text", _("Request")), ("status", _("Status")),
                  ("answer", _("Answer")), ("answered_at", _("Answered"))],
                 [[local_time(r.created_at), r.text, status[r.status], r.answer,
                   local_time(r.answered_at) if r.answered_at else None] for r in rows])


def reads(pupil: Pupil) -> Table:
    """Who among the staff read the card, the diary or the extract, and when."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.role, AuditEvent.action, Person.last_name,
               Person.first_name, Person.patronymic)
        .join(User, User.id == AuditEvent.user_id).join(Person, Person.id == User.person_id)
        .where(AuditEvent.pupil_id == pupil.id, AuditEvent.action.in_(list(READ_ACTIONS)))
        .order_by(AuditEvent.at)).all()
    return Table("reads", _("Who read the card and when"),
                 [("at", _("When")), ("role", _("Role")), ("who", _("Who")),
                  ("what", _("What"))],
                 [[local_time(at), str(audit_log.ROLES.get(role, role)),
                   Person.short_of(last, first, middle), str(READ_ACTIONS[action])]
                  for at, role, action, last, first, middle in rows])


def journal_notices(pupil: Pupil, reader: User) -> Table:
    """The journal's notices about the child in the reader's inbox, as the inbox shows them
    (another parent's inbox is theirs: when they read is not shown to anyone else)."""
    from services.notices import inbox  # the notice's content is read live from the journal
    rows = list(db.session.scalars(select(Notice).where(
        Notice.user_id == reader.id, Notice.pupil_id == pupil.id).order_by(Notice.id)))
    return Table("journal_notices", _("Notices from the journal"),
                 [("at", _("When")), ("what", _("What")), ("seen", _("Seen"))],
                 [[local_time(n.created_at), i.text + (f" ({i.reason})" if i.reason else ""),
                   local_time(n.seen_at) if n.seen_at else None]
                  for n, i in zip(rows, inbox.describe(rows, health=True), strict=True)])


def messages(pupil: Pupil, reader: User) -> Table:
    """The reader's conversations about the child, every message with its sender and attached
    files' names. Two queries. Conversations about no child are the pupil's own only when the
    pupil reads: a parent who also works at the school keeps talks with other families out of
    a child's archive."""
    mine = select(ConversationMember.conversation_id).where(
        ConversationMember.user_id == reader.id)
    about = Conversation.pupil_id == pupil.id
    if reader.person_id == pupil.person_id:
        about = or_(about, Conversation.pupil_id.is_(None))
    rows = db.session.execute(
        select(Message.id, Conversation.subject, Message.sent_at, Person.last_name,
               Person.first_name, Person.patronymic, Message.body)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(User, User.id == Message.sender_id).join(Person, Person.id == User.person_id)
        .where(Conversation.id.in_(mine), about)
        .order_by(Message.conversation_id, Message.id)).all()
    files: dict[int, list[str]] = {}
    for message_id, name in db.session.execute(
            select(MessageAttachment.message_id, MessageAttachment.filename)
            .where(MessageAttachment.message_id.in_([r[0] for r in rows]))
            .order_by(MessageAttachment.id)) if rows else ():
        files.setdefault(message_id, []).append(name)
    return Table("messages", _("Messages"),
                 [("conversation", _("Conversation")), ("at", _("When")), ("who", _("From")),
                  ("text", _("Text")), ("files", _("Files"))],
                 [[subject, local_time(at), Person.short_of(last, first, middle), body,
                   ", ".join(files.get(mid, []))]
                  for mid, subject, at, last, first, middle, body in rows])


def gather(pupil: Pupil, locale: str, reader: User | None = None) -> Holdings:
    """Everything the school holds about the pupil (a dozen queries); with the reader (the
    parent or the pupil who asks), their notices and conversations about the child too."""
    school = school_service.the_school()
    tables = [card(pupil), guardians(pupil), classes(pupil), consents(pupil),
              marks(pupil, locale), summative_points(pupil, locale), attendance(pupil, locale), final_marks(pupil, locale),
              exam_results(pupil, locale), notices(pupil, locale), requests(pupil),
              reads(pupil)]
    if reader is not None:
        tables += [journal_notices(pupil, reader), messages(pupil, reader)]
    return Holdings(pupil, school.name if school else "", clock.today(), tables)
