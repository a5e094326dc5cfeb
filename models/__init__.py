"""The tables of Tabel, one module per area. Import from here."""
from models.audit import AuditEvent, DiaryVisit
from models.curriculum import Bell, PlanItem, Subject, SubjectPage, TimetableSlot, WorkType
from models.journal import Attendance, FinalMark, Lesson, Mark, ParentNotice
from models.people import Enrolment, Guardian, Person, Pupil, Staff
from models.school import AcademicYear, School, SchoolClass, StudyPeriod, Subgroup, SubgroupMember
from models.users import ROLES, User, UserRole

__all__ = [
    "ROLES", "AcademicYear", "Attendance", "AuditEvent", "Bell", "DiaryVisit", "Enrolment", "FinalMark",
    "Guardian", "Lesson", "Mark", "ParentNotice", "Person", "PlanItem", "Pupil", "School",
    "SchoolClass", "Staff", "StudyPeriod", "Subgroup", "SubgroupMember", "Subject",
    "SubjectPage", "TimetableSlot", "User", "UserRole", "WorkType",
]
