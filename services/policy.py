"""Who may do what: every permission rule of Tabel, in one place (DOMAIN.md 2).

Views load an object, then ask here; 404 for objects a user may not know exist, 403 for
actions a user may not take on an object they can see. Templates get this module as
`policy` so they hide the same buttons. Parents and pupils never see other pupils.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from extensions import db
from models import Guardian, Lesson, Pupil, SchoolClass, Staff, SubjectPage, User, UserRole
from models.school import LEVEL_GRADES
from models.users import STAFF_ROLES

LEADERSHIP = ("admin", "director", "deputy")
_MISSING = object()


def _memo(user: User, key: str, compute) -> Any:
    """Cache a lookup on the user object, which lives for one request."""
    cache = user.__dict__.setdefault("_policy_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(user: User) -> None:
    """Drop the lookups cached on a user object (at the start of every request)."""
    user.__dict__.pop("_policy_cache", None)


def _signed_in(user: Any) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and user.active


def staff_of(user: User) -> Staff | None:
    """The staff record of a signed-in employee, or None."""
    return _memo(user, "staff", lambda: db.session.scalar(
        select(Staff).where(Staff.person_id == user.person_id)))


def know_staff(user: User, staff: Staff | None) -> None:
    """Keep the staff record of user.person_id that the caller read in a query of its own
    (the journal's cell save joins it), so staff_of() asks the database nothing."""
    _memo(user, "staff", lambda: staff)


def pupil_of(user: User) -> Pupil | None:
    """The pupil record of a signed-in pupil, or None."""
    if not user.has_role("pupil"):
        return None
    return _memo(user, "pupil", lambda: db.session.scalar(
        select(Pupil).where(Pupil.person_id == user.person_id)))


def children_of(user: User) -> list[Pupil]:
    """The pupils whose diary this user reads as family: a parent's children, or the pupil."""
    def compute() -> list[Pupil]:
        kids: list[Pupil] = []
        if user.has_role("parent"):
            kids = list(db.session.scalars(
                select(Pupil).join(Guardian, Guardian.pupil_id == Pupil.id)
                .where(Guardian.person_id == user.person_id).order_by(Pupil.id)))
        me = pupil_of(user)
        if me is not None and me not in kids:
            kids.append(me)
        return kids
    return _memo(user, "children", compute)


def taught_class_ids(user: User) -> frozenset[int]:
    """Classes where this user teaches at least one subject page."""
    staff = staff_of(user)
    if staff is None:
        return frozenset()
    return _memo(user, "taught", lambda: frozenset(db.session.scalars(
        select(SubjectPage.class_id).where(SubjectPage.teacher_id == staff.id))))


def led_class_ids(user: User) -> frozenset[int]:
    """Classes this user is the class teacher of."""
    staff = staff_of(user)
    if staff is None:
        return frozenset()
    return _memo(user, "led", lambda: frozenset(db.session.scalars(
        select(SchoolClass.id).where(SchoolClass.class_teacher_id == staff.id))))


def is_class_teacher(user: User) -> bool:
    return _signed_in(user) and bool(led_class_ids(user))


def oversees_class(user: User, school_class: SchoolClass) -> bool:
    """Administrator and director see every class; a deputy every class of their level."""
    if not _signed_in(user):
        return False
    if user.has_role("admin", "director"):
        return True
    if user.has_role("deputy"):
        scope = user.role_scope("deputy")
        return scope is None or scope == school_class.level
    return False


def oversees_all(user: User) -> bool:
    """True for those who read every class with no level limit."""
    if not _signed_in(user):
        return False
    return user.has_role("admin", "director") or (
        user.has_role("deputy") and user.role_scope("deputy") is None)


def is_staff(user: User) -> bool:
    return _signed_in(user) and user.has_role(*STAFF_ROLES)


def can_manage_school(user: User) -> bool:
    """Reference data, accounts, timetable, periods: the journal administrator."""
    return _signed_in(user) and user.has_role("admin")


def can_read_class(user: User, school_class: SchoolClass) -> bool:
    """Class list and its journal overview: leadership, the secretary, its teachers."""
    if not _signed_in(user):
        return False
    return (oversees_class(user, school_class) or user.has_role("secretary")
            or school_class.id in led_class_ids(user) or school_class.id in taught_class_ids(user))


def can_read_page(user: User, page: SubjectPage) -> bool:
    """A subject page: its teacher, the class teacher of its class, leadership, substitutes."""
    if not _signed_in(user):
        return False
    staff = staff_of(user)
    if staff is not None and page.teacher_id == staff.id:
        return True
    if oversees_class(user, page.school_class) or page.class_id in led_class_ids(user):
        return True
    return staff is not None and _substitutes_on(staff, page)


def _substitutes_on(staff: Staff, page: SubjectPage) -> bool:
    return db.session.scalar(select(Lesson.id).where(
        Lesson.page_id == page.id, Lesson.substitute_id == staff.id).limit(1)) is not None


def can_write_page(user: User, page: SubjectPage) -> bool:
    """Only the page's own teacher writes on it; pupils and parents never do (001 3.12)."""
    if not _signed_in(user) or not user.has_role("teacher"):
        return False
    staff = staff_of(user)
    return staff is not None and page.teacher_id == staff.id


def can_write_lesson(user: User, lesson: Lesson) -> bool:
    """The page's teacher, or the substitute recorded for this one lesson; nobody writes into
    a cancelled lesson (the journal and the diary no longer show it)."""
    if not _signed_in(user) or not user.has_role("teacher") or lesson.cancelled:
        return False
    staff = staff_of(user)
    if staff is None:
        return False
    return lesson.substitute_id == staff.id or can_write_page(user, lesson.page)


def can_read_pupil(user: User, pupil: Pupil) -> bool:
    """A pupil's card and marks: family, the pupil, staff who work with the class."""
    if not _signed_in(user):
        return False
    if pupil in children_of(user):
        return True
    if user.has_role("secretary"):
        return True
    cls = pupil.school_class
    if cls is None:
        return oversees_all(user)
    return (oversees_class(user, cls) or cls.id in led_class_ids(user)
            or cls.id in taught_class_ids(user))


def _family_class_teacher_or_leadership(user: User, pupil: Pupil) -> bool:
    if not _signed_in(user):
        return False
    if pupil in children_of(user):
        return True
    cls = pupil.school_class
    return cls is not None and (oversees_class(user, cls) or cls.id in led_class_ids(user))


def can_read_diary(user: User, pupil: Pupil) -> bool:
    """The diary: the pupil, their parents, their class teacher and leadership."""
    return _family_class_teacher_or_leadership(user, pupil)


def can_see_absence_reason(user: User, pupil: Pupil) -> bool:
    """Illness is health data (DOMAIN.md 9): the class teacher, leadership and the family;
    subject teachers see only that the pupil was absent."""
    return _family_class_teacher_or_leadership(user, pupil)


def can_see_absence_reason_on_page(user: User, page: SubjectPage, pupil: Pupil) -> bool:
    """Per pupil of a journal page: who may see why the pupil was absent. The family,
    leadership and the pupil's class teacher now, and the class teacher of the page's class
    (the pupil was in that class when the absences on the page happened). Never decided for
    a whole page from one pupil (issue 14): a subject teacher sees "absent", nothing more."""
    if can_see_absence_reason(user, pupil):
        return True
    return _signed_in(user) and page.class_id in led_class_ids(user)


def can_set_absence_reasons(user: User, school_class: SchoolClass) -> bool:
    """Reasons of absences are kept by the class teacher (and administration)."""
    if not _signed_in(user):
        return False
    return school_class.id in led_class_ids(user) or user.has_role("admin", "deputy") and \
        oversees_class(user, school_class)


def can_read_plan(user: User, teacher: Staff) -> bool:
    """A calendar-thematic plan: its teacher, and leadership (any level) for control."""
    if not _signed_in(user):
        return False
    if user.has_role(*LEADERSHIP):
        return True
    return can_write_plan(user, teacher)


def can_write_plan(user: User, teacher: Staff) -> bool:
    """Only the teacher writes their own plan."""
    if not _signed_in(user) or not user.has_role("teacher"):
        return False
    staff = staff_of(user)
    return staff is not None and staff.id == teacher.id


def can_edit_pupil_card(user: User, pupil: Pupil) -> bool:
    """Pupil cards: the class teacher, the secretary and the administrator."""
    if not _signed_in(user):
        return False
    if user.has_role("admin", "secretary"):
        return True
    return pupil.class_id is not None and pupil.class_id in led_class_ids(user)


def can_table(user: User, roles: tuple[str, ...]) -> bool:
    """May the user use a back-office table for an action the table grants to these roles?
    "class_teacher" stands for a teacher who leads a class (their rows are narrowed by the
    table's scope, pupils_scope)."""
    if not _signed_in(user):
        return False
    if user.has_role(*[r for r in roles if r != "class_teacher"]):
        return True
    return "class_teacher" in roles and is_class_teacher(user)


def pupils_scope(user: User):
    """The pupils a user sees in the back office's pupil lists: every pupil for the
    administration and the secretary, a deputy's level, a class teacher's own classes."""
    if not _signed_in(user) or user.has_role("admin", "director", "secretary"):
        return None
    if user.has_role("deputy"):
        scope = user.role_scope("deputy")
        if scope is None:
            return None
        low, high = LEVEL_GRADES[scope]
        return Pupil.class_id.in_(select(SchoolClass.id).where(
            SchoolClass.grade.between(low, high)))
    return Pupil.class_id.in_(list(led_class_ids(user)) or [-1])


def can_see_health(user: User, pupil: Pupil) -> bool:
    """Medical group and notes (DOMAIN.md 9): the class teacher, the administration, the
    family; never a subject teacher or the secretary."""
    if not _signed_in(user):
        return False
    if pupil in children_of(user) or user.has_role("admin", "director"):
        return True
    cls = pupil.school_class
    return cls is not None and (cls.id in led_class_ids(user) or (
        user.has_role("deputy") and oversees_class(user, cls)))


def can_issue_account(user: User, role: str, school_class: SchoolClass | None) -> bool:
    """Staff accounts: the administrator. Parent and pupil accounts: the class teacher of
    the pupil's class, and the administrator."""
    if not _signed_in(user):
        return False
    if user.has_role("admin"):
        return True
    return role in ("parent", "pupil") and school_class is not None and \
        school_class.id in led_class_ids(user)


def can_manage_class_families(user: User, school_class: SchoolClass) -> bool:
    """A class's families (consent, accounts, the monthly check of the cards): its class
    teacher, the administrator and the secretary."""
    if not _signed_in(user):
        return False
    return user.has_role("admin", "secretary") or school_class.id in led_class_ids(user)


def can_record_consent(user: User, pupil: Pupil) -> bool:
    """Consent is recorded by the class teacher (own class), the secretary, the administrator."""
    if not _signed_in(user):
        return False
    if user.has_role("admin", "secretary"):
        return True
    return pupil.class_id is not None and pupil.class_id in led_class_ids(user)


def readable_pages(user: User, pages: Iterable[SubjectPage]) -> list[SubjectPage]:
    """Filter a list of pages down to those the user may read."""
    return [p for p in pages if can_read_page(user, p)]


# -- curriculum, teaching load, readiness, final attestation (issue 16) ---------------------

def can_manage_load(user: User) -> bool:
    """Assigning and handing over subject pages: the journal administrator."""
    return can_manage_school(user)


def can_read_load(user: User) -> bool:
    """The teaching load and the readiness list: administrator, director, deputies."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_enter_exam_results(user: User, grade: int) -> bool:
    """Final attestation results of a grade: the deputy (of that grade's level, when the
    deputy is limited to one) and the administrator."""
    if not _signed_in(user):
        return False
    if user.has_role("admin"):
        return True
    if not user.has_role("deputy"):
        return False
    scope = user.role_scope("deputy")
    return scope is None or scope == SchoolClass(grade=grade).level


# -- the year close (issue 16) --------------------------------------------------------------

def can_view_year_close(user: User) -> bool:
    """The year close's check of year marks: administrator, director, deputies."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_close_year(user: User) -> bool:
    """Applying (and undoing) the year close by the director's order: the journal
    administrator and the director."""
    return _signed_in(user) and user.has_role("admin", "director")


def can_excuse_year_mark(user: User, school_class: SchoolClass) -> bool:
    """Excusing a missing year mark: the administrator, and a deputy of the class's level."""
    if not _signed_in(user):
        return False
    return user.has_role("admin") or (user.has_role("deputy") and
                                      oversees_class(user, school_class))


# -- the timetable (issue 16) ---------------------------------------------------------------

def can_edit_timetable(user: User) -> bool:
    """The weekly timetable and its one-day changes: the journal administrator."""
    return can_manage_school(user)


def can_read_timetable(user: User, school_class: SchoolClass) -> bool:
    """A class's timetable: leadership over the class, its class teacher and its teachers."""
    if not _signed_in(user):
        return False
    return (oversees_class(user, school_class) or school_class.id in led_class_ids(user)
            or school_class.id in taught_class_ids(user))


def can_read_teacher_timetable(user: User, teacher: Staff) -> bool:
    """A teacher's own timetable: the teacher, and leadership."""
    if not _signed_in(user):
        return False
    return user.has_role("admin", "director", "deputy") or staff_of(user) == teacher


# -- subgroups (issue 16) -----------------------------------------------------------------

def can_read_groups(user: User, school_class: SchoolClass) -> bool:
    """A class's subgroups and who is in them: whoever reads the class."""
    return can_read_class(user, school_class)


def can_manage_groups(user: User, school_class: SchoolClass) -> bool:
    """Making subgroups and moving pupils between them: the class teacher of that class
    (agreeing it with the subject teachers) and the journal administrator."""
    return _signed_in(user) and (user.has_role("admin") or school_class.id in led_class_ids(user))


# -- late corrections (001 4.2-4.3) ---------------------------------------------------------

def can_request_correction(user: User, page: SubjectPage, *, attendance_only: bool) -> bool:
    """The subject teacher asks for a correction on their page, the class teacher for an
    absence of their class, a deputy of the class's level for anything (001 4.2.2)."""
    if not _signed_in(user):
        return False
    if can_write_page(user, page):
        return True
    if attendance_only and page.class_id in led_class_ids(user):
        return True
    return user.has_role("deputy") and oversees_class(user, page.school_class)


def can_decide_correction(user: User, correction) -> bool:
    """The director, or a deputy of the class's level (never the requester: the workflow
    refuses that with its own reason)."""
    if not _signed_in(user):
        return False
    if user.has_role("director"):
        return True
    return user.has_role("deputy") and oversees_class(user, correction.page.school_class)


def can_apply_correction(user: User, correction) -> bool:
    """A deputy of the class's level, or the administrator on the deputy's order."""
    if not _signed_in(user):
        return False
    if user.has_role("admin"):
        return True
    return user.has_role("deputy") and oversees_class(user, correction.page.school_class)


def can_read_correction(user: User, correction) -> bool:
    """The requester, the page's teacher, the class teacher and the leadership of the level;
    never a parent or a pupil (they see the corrected mark, not the request)."""
    if not _signed_in(user) or not is_staff(user):
        return False
    if correction.requested_by == user.id or oversees_class(user, correction.page.school_class):
        return True
    staff = staff_of(user)
    return staff is not None and (correction.page.teacher_id == staff.id
                                  or correction.page.class_id in led_class_ids(user))


def can_read_change_log(user: User, school_class: SchoolClass) -> bool:
    """The change log sheet of a class: leadership of its level and its class teacher."""
    return _signed_in(user) and (oversees_class(user, school_class)
                                 or school_class.id in led_class_ids(user))


def can_read_audit_log(user: User) -> bool:
    """The deputy's log of every change: leadership (a deputy sees the rows of their level)."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_read_account_history(user: User, role: str, school_class: SchoolClass | None) -> bool:
    """An account's history: those who issue such accounts, and the leadership over the
    account's class (or the whole leadership for an account without a class)."""
    if can_issue_account(user, role, school_class):
        return True
    if school_class is not None:
        return can_read_change_log(user, school_class)
    return can_read_audit_log(user)


# -- reports: the pupil's extract and the class journal's hard copy (issue 18) ------------

def can_read_extract(user: User, pupil: Pupil) -> bool:
    """A pupil's extract from the journal (001 3.11): the pupil and their parents, the
    secretary who issues it, the class teacher and the leadership of the class's level;
    never a subject teacher or another family."""
    if not _signed_in(user):
        return False
    if pupil in children_of(user) or user.has_role("secretary"):
        return True
    return _leads_pupils_class(user, pupil)


def may_issue_extracts(user: User) -> bool:
    """The list of pupils with their extracts: the secretary, leadership, class teachers."""
    return _signed_in(user) and (user.has_role("secretary", *LEADERSHIP) or
                                 is_class_teacher(user))


def can_print_hard_copy(user: User, school_class: SchoolClass) -> bool:
    """The class journal's hard copy for a period (001 6): leadership of the class's level
    and its class teacher."""
    return _signed_in(user) and (oversees_class(user, school_class)
                                 or school_class.id in led_class_ids(user))


def may_print_hard_copies(user: User) -> bool:
    """The list of classes with their hard copies: leadership and class teachers."""
    return _signed_in(user) and (user.has_role(*LEADERSHIP) or is_class_teacher(user))


# -- Reports 2 and 6 (issue 18): the summary attendance sheet, user activity, diary visits --

def can_read_class_attendance(user: User, school_class: SchoolClass) -> bool:
    """A class's summary attendance sheet: the leadership of its level and its class teacher
    (it counts absences for illness); never a subject teacher, the secretary or a family."""
    return _signed_in(user) and (oversees_class(user, school_class)
                                 or school_class.id in led_class_ids(user))


def can_see_class_absence_reasons(user: User, school_class: SchoolClass) -> bool:
    """Illness columns for a whole class (DOMAIN.md 9): those who read its attendance sheet."""
    return can_read_class_attendance(user, school_class)


def can_read_attendance_report(user: User) -> bool:
    """Whether the attendance sheet opens at all: leadership and class teachers."""
    return _signed_in(user) and (user.has_role(*LEADERSHIP) or is_class_teacher(user))


def can_read_staff_activity(user: User) -> bool:
    """Sign-ins and entries per staff member (003 9.1, 004 VIII): the leadership."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_read_diary_visits(user: User, school_class: SchoolClass) -> bool:
    """A class's diary visits and its "never visited" list (001 3.2.8): its class teacher
    and the leadership of its level."""
    return can_read_class_attendance(user, school_class)


def can_read_activity_report(user: User) -> bool:
    """Whether the activity report opens at all: leadership and class teachers."""
    return can_read_attendance_report(user)


# -- Reports 1 and 3 (issue 18): the summary progress sheet, quality and progress -----------

def can_read_progress_reports(user: User, school_class: SchoolClass | None = None) -> bool:
    """The summary progress sheet and the quality figures of a class: the leadership of its
    level and its class teacher. Without a class: whether the report opens at all."""
    if school_class is not None:
        return can_read_change_log(user, school_class)
    return _signed_in(user) and (user.has_role(*LEADERSHIP) or is_class_teacher(user))


# -- the deputy's control dashboard and the period close (issue 18, reports 4 and 5) --------

def can_read_control(user: User) -> bool:
    """The control dashboard and the period close sheet: leadership (a deputy limited to a
    level sees that level's classes: the report narrows per class with oversees_class)."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_read_control_page(user: User, page: SubjectPage) -> bool:
    """The lessons or pupils behind one page's figure: leadership over the page's class."""
    return can_read_control(user) and oversees_class(user, page.school_class)


# -- Report 7's batch (issue 18): hard copies of a parallel or the whole school --------------

def may_start_hardcopy_batch(user: User) -> bool:
    """A background batch of hard copies: the leadership. Each class in it must also pass
    can_print_hard_copy (a deputy of one level: that level's classes)."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_read_report_job(user: User, job) -> bool:
    """A batch's progress page and its ZIP: the user who asked and the leadership, and only
    while they may print every class in it."""
    if not (_signed_in(user) and (job.requested_by == user.id or user.has_role(*LEADERSHIP))):
        return False
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(job.class_ids)))
    return all(can_print_hard_copy(user, c) for c in classes)


# -- Backups (issue 19) -----------------------------------------------------------------------

def can_read_backups(user: User) -> bool:
    """The list of backups and the warning when the last good one is old: the administrator,
    and the director who answers for the journal's safekeeping (001 3.2.9)."""
    return _signed_in(user) and user.has_role("admin", "director")


def can_manage_backups(user: User) -> bool:
    """Making, downloading and restoring a backup: the journal administrator only (a copy
    holds every child's personal data; a restore replaces the whole journal)."""
    return _signed_in(user) and user.has_role("admin")


# -- Retention and the family's own data (issue 19) -------------------------------------------

def can_purge_old_data(user: User) -> bool:
    """The retention page and its purge: the journal administrator only."""
    return _signed_in(user) and user.has_role("admin")


def can_read_family_data(user: User, pupil: Pupil) -> bool:
    """The family's data page, its archive and its correction requests: the pupil's parents
    and the pupil; nobody else (staff answer a family's request from their own pages)."""
    return _signed_in(user) and pupil in children_of(user)


def _leads_pupils_class(user: User, pupil: Pupil) -> bool:
    """The class teacher of the pupil's class now, or the leadership of its level; for a
    pupil who has left, those who see every class."""
    cls = pupil.school_class
    if cls is None:
        return oversees_all(user)
    return oversees_class(user, cls) or cls.id in led_class_ids(user)


def can_answer_data_request(user: User, pupil: Pupil) -> bool:
    """A family's correction request about a pupil: the class teacher of the pupil's class
    now and the administration of its level (a pupil who has left: those who see every
    class)."""
    if not _signed_in(user):
        return False
    return _leads_pupils_class(user, pupil)


def may_answer_data_requests(user: User) -> bool:
    """The list of families' correction requests: class teachers and the administration."""
    return _signed_in(user) and (user.has_role(*LEADERSHIP) or is_class_teacher(user))


# --- Messages, news and notices (issue 20; DOMAIN.md 7) -----------------------------------
# Who may talk: a parent with their children's teachers, class teacher and the administration;
# a pupil with their teachers; staff with staff; staff with the families of the classes they
# teach, lead or oversee. Never a family with another family.

def _staff_user_ids(condition) -> set[int]:
    """Active accounts of the staff records matching the condition."""
    return set(db.session.scalars(
        select(User.id).join(Staff, Staff.person_id == User.person_id)
        .where(User.active, condition)))


def family_staff_contact_ids(user: User) -> frozenset[int]:
    """The staff accounts a parent or pupil may write to (and be written to by)."""
    def compute() -> frozenset[int]:
        kids = children_of(user)
        class_ids = {k.class_id for k in kids if k.class_id is not None}
        if not class_ids:
            return frozenset()
        teachers = select(SubjectPage.teacher_id).where(SubjectPage.class_id.in_(class_ids))
        leaders = select(SchoolClass.class_teacher_id).where(SchoolClass.id.in_(class_ids))
        ids = _staff_user_ids(Staff.id.in_(teachers.union(leaders)))
        if user.has_role("parent"):
            ids |= _administration_for(class_ids)
        ids.discard(user.id)
        return frozenset(ids)
    return _memo(user, "family_contacts", compute)


def _administration_for(class_ids: set[int]) -> set[int]:
    """The director, the administrator and the deputies whose level has one of the classes."""
    levels = {c.level for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_(class_ids)))}
    rows = db.session.execute(
        select(User.id, UserRole.role, UserRole.scope).join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role.in_(LEADERSHIP))).all()
    return {uid for uid, role, scope in rows
            if role != "deputy" or scope is None or scope in levels}


def _current_classes(user: User) -> list[SchoolClass]:
    """The classes of the current year, kept for the request."""
    def compute() -> list[SchoolClass]:
        from services.school import current_year
        year = current_year()
        return [] if year is None else list(db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == year.id)))
    return _memo(user, "current_classes", compute)


def reachable_class_ids(user: User) -> frozenset[int]:
    """Current classes whose families this member of staff may write to: those they teach or
    lead, and every class of their level for the administration."""
    if not is_staff(user):
        return frozenset()
    own = led_class_ids(user) | taught_class_ids(user)
    return _memo(user, "reachable_classes", lambda: frozenset(
        c.id for c in _current_classes(user) if c.id in own or oversees_class(user, c)))


def _family_class_ids(recipient: User) -> set[int]:
    """The current classes of a parent's children or of a pupil."""
    ids: set[int] = set()
    if recipient.has_role("parent"):
        ids |= set(db.session.scalars(
            select(Pupil.class_id).join(Guardian, Guardian.pupil_id == Pupil.id)
            .where(Guardian.person_id == recipient.person_id, Pupil.class_id.is_not(None))))
    if recipient.has_role("pupil"):
        ids |= set(db.session.scalars(select(Pupil.class_id).where(
            Pupil.person_id == recipient.person_id, Pupil.class_id.is_not(None))))
    return ids


def can_message(user: User, recipient: User | None) -> bool:
    """May user start a conversation with recipient (and so find them in the list)?"""
    if not _signed_in(user) or recipient is None or not recipient.active \
            or recipient.id == user.id:
        return False
    if is_staff(user) and recipient.has_role(*STAFF_ROLES):
        return True
    if recipient.id in family_staff_contact_ids(user):
        return True
    if is_staff(user) and recipient.has_role("parent", "pupil"):
        return bool(_family_class_ids(recipient) & reachable_class_ids(user))
    return False



def broadcast_class_ids(user: User) -> frozenset[int]:
    """Classes whose parents this user may write to all at once: the class teacher's own
    classes, and for the administration every class of their level."""
    if not is_staff(user):
        return frozenset()
    led, leader = led_class_ids(user), user.has_role(*LEADERSHIP)
    return frozenset(c.id for c in _current_classes(user)
                     if c.id in led or (leader and oversees_class(user, c)))


def may_broadcast_parallel(user: User) -> bool:
    """A whole parallel (all 5th classes) at once: the administration only."""
    return _signed_in(user) and user.has_role(*LEADERSHIP)


def can_publish_news(user: User) -> bool:
    """News, announcements and the calendar: the deputy and the administrator (000 2.2)."""
    return _signed_in(user) and user.has_role("admin", "deputy")


def news_audience(user: User) -> tuple[bool, frozenset[int], frozenset[int]]:
    """What news reaches this user: (staff items too?, grades, class ids). Staff read every
    item; a family reads the whole school's and those of their children's parallels and
    classes."""
    if is_staff(user):
        return True, frozenset(), frozenset()
    kids = [k for k in children_of(user) if k.school_class is not None]
    return (False, frozenset(k.school_class.grade for k in kids),
            frozenset(k.class_id for k in kids))


def can_read_notices(user: User, pupil: Pupil) -> bool:
    """A child's journal notices reach the child's parents only."""
    return _signed_in(user) and user.has_role("parent") and any(
        k.id == pupil.id for k in children_of(user) if k.person_id != user.person_id)


def can_read_seen_report(user: User, school_class: SchoolClass) -> bool:
    """Who has not seen a notice or the period marks: the class teacher and leadership."""
    return _signed_in(user) and (school_class.id in led_class_ids(user)
                                 or oversees_class(user, school_class))


# --- News by level (issue 20, news and calendar) -------------------------------------------
# A deputy limited to one level publishes for that level's parallels and classes, and, as every
# publisher, for the whole school and the staff room (a concert, a staff meeting).

def news_grade_limit(user: User) -> tuple[int, int] | None:
    """The grades (lowest, highest) a publisher's parallel and class items are limited to;
    None: any grade (the administrator, a deputy of every level)."""
    if user.has_role("admin") or not user.has_role("deputy"):
        return None
    scope = user.role_scope("deputy")
    return LEVEL_GRADES.get(scope) if scope else None


def can_publish_news_for(user: User, audience: str, grade: int | None) -> bool:
    """May the user publish an item for this audience (grade: the parallel's, or the class's
    grade)?"""
    if not can_publish_news(user):
        return False
    limit = news_grade_limit(user)
    if audience in ("all", "staff") or limit is None:
        return True
    return grade is not None and limit[0] <= grade <= limit[1]


# --- Notice delivery settings (issue 20, push and e-mail) ------------------------------------

def can_set_notices(user: User) -> bool:
    """Which journal notices reach a parent, and by push or e-mail, is the parent's own
    choice: parent accounts only (a pupil gets no notices; staff have none to set)."""
    return _signed_in(user) and user.has_role("parent")


# --- Criteria-based assessment documents (issue 21): the analysis of SAU and SAT, the transfer
# extract. The analysis of a page is read by those who read the page (can_read_page).

def may_read_summative_reports(user: User) -> bool:
    """The list of analyses and transfer extracts: subject teachers, class teachers and the
    leadership; each page then passes can_read_page, each class the rule below."""
    return _signed_in(user) and user.has_role("teacher", *LEADERSHIP)


def can_issue_transfer_extracts_of(user: User, school_class: SchoolClass) -> bool:
    """The transfer extracts of a class's pupils: its class teacher and the leadership of its
    level; never a subject teacher, the secretary or a family."""
    return _signed_in(user) and (oversees_class(user, school_class)
                                 or school_class.id in led_class_ids(user))


def can_issue_transfer_extract(user: User, pupil: Pupil) -> bool:
    """A pupil's transfer extract (every work's points of the year, certified): the class
    teacher of the pupil's class and the leadership of its level (a pupil who has left:
    those who see every class)."""
    return _signed_in(user) and _leads_pupils_class(user, pupil)
