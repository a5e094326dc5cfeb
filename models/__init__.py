"""The tables of Tabel, one module per area. Import from here."""
from models.audit import AuditEvent, DiaryVisit
from models.consent import Consent, ConsentText
from models.corrections import Correction
from models.curriculum import Bell, PlanItem, Subject, SubjectPage, TimetableSlot, WorkType
from models.jobs import ReportJob  # noqa: F401  (the report jobs table; import from models.jobs)
from models.journal import Attendance, FinalMark, Lesson, Mark, ParentNotice
from models.messages import Conversation, ConversationMember, Message, MessageAttachment
from models.notices import MarksSeen, NewsItem, Notice, NoticeSetting, PushSubscription
from models.people import Enrolment, Guardian, Person, Pupil, Staff, StaffSubject
from models.requests import DataRequest
from models.school import (
    AcademicYear,
    CardCheck,
    School,
    SchoolClass,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
)
from models.summative import SummativeRule, SummativeWork, WorkPoints
from models.users import ROLES, LoginAttempt, User, UserRole, UserSession
from models.year import (
    CurriculumHours,
    Exam,
    ExamResult,
    Holiday,
    MarkExcuse,
    PageTeacher,
    Promotion,
    YearClose,
)

__all__ = [
    "ROLES", "AcademicYear", "Attendance", "AuditEvent", "Bell", "CardCheck", "Consent",
    "ConsentText", "Correction", "DataRequest", "DiaryVisit", "Enrolment", "FinalMark", "LoginAttempt", "StaffSubject",
    "Guardian", "Lesson", "Mark", "ParentNotice", "Person", "PlanItem", "Pupil", "School",
    "SchoolClass", "Staff", "StudyPeriod", "Subgroup", "SubgroupMember", "Subject",
    "SubjectPage", "TimetableSlot", "User", "UserRole", "UserSession", "WorkType", "CurriculumHours", "Exam",
    "ExamResult", "Holiday", "MarkExcuse", "PageTeacher", "Promotion", "YearClose",
    "Conversation", "ConversationMember", "Message", "MessageAttachment", "MarksSeen",
    "NewsItem", "Notice", "NoticeSetting", "PushSubscription", "SummativeRule",
    "SummativeWork", "WorkPoints",
]
