"""People of the demo school: staff and their posts, pupils in families, and user accounts."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, insert, literal, select

from extensions import db
from models import (
    Consent,
    ConsentText,
    Enrolment,
    Guardian,
    Person,
    Pupil,
    Staff,
    Subgroup,
    SubgroupMember,
    User,
    UserRole,
)
from services.demo_base import ClassInfo, Context, StaffInfo, bulk_insert
from services.demo_names import Name
from services.demo_school import (
    PRIMARY_POSITION,
    SPECIALISATIONS,
    Bundle,
    bundles_for,
    share_out,
)

# Fixed demo accounts of the administration: username, post, position, role, deputy scope.
ADMINISTRATION = (
    ("director", "director", "Директор", "director", None),
    ("deputy", "deputy", "Заместитель директора по УВР", "deputy", None),
    (None, "deputy_primary", "Заместитель директора по УВР (начальная школа)", "deputy",
     "primary"),
    ("secretary", "secretary", "Секретарь", "secretary", None),
    ("admin", "admin", "Администратор электронного журнала", "admin", None),
)
PUPIL_CLASS = (7, "А")
SIBLING_CLASS = (3, "А")
_MOSTLY_MEN = frozenset({"pe", "informatics", "arttech", "physics"})


def person_row(ctx: Context, name: Name, birth: dt.date | None, phone: str = "",
               email: str = "") -> dict:
    """A Person row with a new id and the casefolded search name the model would compute."""
    full = Person(last_name=name.last, first_name=name.first, patronymic=name.patronymic).full_name
    return {"id": ctx.ids.take(Person), "last_name": name.last, "first_name": name.first,
            "patronymic": name.patronymic, "sex": name.sex, "birth_date": birth,
            "phone": phone, "email": email, "search_name": full.casefold()}


def _phone(ctx: Context) -> str:
    r = ctx.rng
    return f"+7 7{r.choice('0057')}{r.randint(0, 9)} {r.randint(100, 999)} " \
           f"{r.randint(10, 99)} {r.randint(10, 99)}"


def _birth(ctx: Context, first_year: int, last_year: int) -> dt.date:
    start = dt.date(first_year, 1, 1)
    return start + dt.timedelta(days=ctx.rng.randrange((dt.date(last_year, 12, 31) - start).days))


# -- staff ----------------------------------------------------------------------------------

def add_staff(ctx: Context) -> dict[str, list[Bundle]]:
    """Teachers for every class's teaching, plus the administration; returns the bundles."""
    bundles = bundles_for([c.key for c in ctx.classes])
    people, staff = [], []
    for spec in ["primary"] + [s[0] for s in SPECIALISATIONS]:
        position = PRIMARY_POSITION if spec == "primary" else \
            next(p for code, _s, p in SPECIALISATIONS if code == spec)
        for i in range(share_out(bundles[spec])):
            language = _teacher_language(ctx, spec, bundles[spec][i] if spec == "primary" else None)
            men = 0.5 if spec in _MOSTLY_MEN else 0.12
            sex = "m" if ctx.rng.random() < men else "f"
            info = _staff_member(ctx, people, staff, spec, position, language, sex)
            floor = 100 if spec == "primary" else 200
            info.room = f"Зал {i + 1}" if spec == "pe" else str(floor + len(ctx.staff))
    for username, post, position, _role, _scope in ADMINISTRATION:
        sex = "m" if post == "director" else "f"
        _staff_member(ctx, people, staff, post, position, "ru", sex).username = username
    bulk_insert(Person, people)
    ctx.count("staff", bulk_insert(Staff, staff))
    return bundles


def _teacher_language(ctx: Context, spec: str, bundle: Bundle | None) -> str:
    if spec == "kazakh":
        return "kk"
    if bundle is not None:  # a primary teacher speaks the language of the class
        return ctx.school_class(*bundle.class_key).language
    return "kk" if ctx.rng.random() < 0.2 else "ru"


def _staff_member(ctx: Context, people: list, staff: list, spec: str, position: str,
                  language: str, sex: str) -> StaffInfo:
    row = person_row(ctx, ctx.namer.person(language, sex), _birth(ctx, 1965, 1999),
                     phone=_phone(ctx))
    people.append(row)
    name = Name(row["last_name"], row["first_name"], row["patronymic"], sex)
    info = StaffInfo(ctx.ids.take(Staff), row["id"], name, spec, position, language)
    hired = dt.date(ctx.calendar.start.year - ctx.rng.randint(0, 20), 8, 25)
    staff.append({"id": info.id, "person_id": info.person_id, "position": position,
                  "hired_on": hired, "left_on": None})
    ctx.staff.append(info)
    return info


def teacher_of(ctx: Context, bundle: Bundle) -> StaffInfo:
    """The staff member a bundle was given to."""
    return [s for s in ctx.staff if s.spec == bundle.spec][bundle.teacher]


def choose_leaders(ctx: Context, bundles: dict[str, list[Bundle]]) -> None:
    """Name the fixed teachers and give every class a class teacher who teaches in it."""
    by_class: dict[tuple[int, str], list[Bundle]] = defaultdict(list)
    for spec_bundles in bundles.values():
        for bundle in spec_bundles:
            by_class[bundle.class_key].append(bundle)
    mine = by_class[PUPIL_CLASS]
    subject_teacher = teacher_of(ctx, next(b for b in mine if b.spec == "maths"))
    class_teacher = teacher_of(ctx, next(b for b in mine if b.spec == "ruslit"))
    subject_teacher.username, class_teacher.username = "teacher", "classteacher"
    taken = {subject_teacher.id}
    ordered = sorted(ctx.classes, key=lambda c: (c.key != PUPIL_CLASS, c.grade, c.letter))
    for school_class in ordered:
        if school_class.key == PUPIL_CLASS:
            school_class.leader = class_teacher
        else:
            options = [teacher_of(ctx, b) for b in sorted(
                by_class[school_class.key], key=lambda b: (-b.hours, b.spec))]
            # A teacher who speaks the class's language, then the one with most lessons in it.
            options.sort(key=lambda t: t.language != school_class.language)
            school_class.leader = next((t for t in options if t.id not in taken), None)
        if school_class.leader is not None:
            taken.add(school_class.leader.id)


# -- pupils and their families -------------------------------------------------------------

def add_pupils(ctx: Context) -> None:
    """Pupils in families of one or two children, each with one or two parents."""
    seats = _seats(ctx)
    families: list[list[ClassInfo]] = [[ctx.school_class(*PUPIL_CLASS),
                                        ctx.school_class(*SIBLING_CLASS)]]
    for school_class in families[0]:
        seats[school_class.id] -= 1
    for school_class in ctx.classes:
        while seats[school_class.id] > 0:
            seats[school_class.id] -= 1
            children = [school_class]
            sibling = _sibling_class(ctx, school_class, seats)
            if sibling is not None:
                seats[sibling.id] -= 1
                children.append(sibling)
            families.append(children)
    rows: dict[type, list[dict]] = defaultdict(list)
    for n, children in enumerate(families):
        _family(ctx, rows, children, fixed=n == 0)
    for model in (Person, Pupil, Enrolment, Guardian):
        ctx.count(model.__tablename__, bulk_insert(model, rows[model]))
    _remember(ctx, rows[Person], rows[Pupil])


def _seats(ctx: Context) -> dict[int, int]:
    base, extra = divmod(ctx.pupils, len(ctx.classes))
    lucky = set(ctx.rng.sample([c.id for c in ctx.classes], extra))
    return {c.id: base + (c.id in lucky) for c in ctx.classes}


def _sibling_class(ctx: Context, school_class: ClassInfo, seats: dict[int, int]) -> ClassInfo | None:
    if ctx.rng.random() >= 0.15:
        return None
    options = [c for c in ctx.classes if seats[c.id] > 0 and c.language == school_class.language
               and c.grade != school_class.grade]
    return ctx.rng.choice(options) if options else None


def _family(ctx: Context, rows: dict[type, list[dict]], children: list[ClassInfo],
            fixed: bool) -> None:
    language, rng = children[0].language, ctx.rng
    surname, father = ctx.namer.surname(language), ctx.namer.father_name(language)
    youngest = max(_pupil(ctx, rows, c, surname, father, fixed and i == 0)
                   for i, c in enumerate(children))
    parents = []
    if fixed or rng.random() < 0.92:
        parents.append(("mother", ctx.namer.person(language, "f", surname=surname)))
    if not parents or rng.random() < 0.5:
        name = ctx.namer.person(language, "m", surname=surname)
        parents.append(("father", Name(name.last, father, name.patronymic, "m")))
    kids = rows[Pupil][-len(children):]
    for i, (relation, name) in enumerate(parents):
        born = _birth(ctx, youngest.year - 40, youngest.year - 24)
        email = f"parent{len(rows[Person])}@example.kz" if rng.random() < 0.3 else ""
        row = person_row(ctx, name, born, phone=_phone(ctx), email=email)
        rows[Person].append(row)
        ctx.parent_people.append(row["id"])
        if fixed and i == 0:
            ctx.fixed["parent"] = row["id"]
        for kid in kids:
            rows[Guardian].append({"id": ctx.ids.take(Guardian), "person_id": row["id"],
                                   "pupil_id": kid["id"], "relation": relation})


def _pupil(ctx: Context, rows: dict[type, list[dict]], school_class: ClassInfo, surname: str,
           father: str, fixed: bool) -> dt.date:
    """Add one child in a class; returns the birth date."""
    start, grade = ctx.calendar.start, school_class.grade
    born = dt.date(start.year - grade - 7, 9, 2) + dt.timedelta(days=ctx.rng.randrange(365))
    row = person_row(ctx, ctx.namer.person(school_class.language, surname=surname, father=father),
                     born, phone=_phone(ctx) if grade >= 5 else "")
    rows[Person].append(row)
    pupil_id = ctx.ids.take(Pupil)
    if fixed:
        ctx.fixed["pupil"] = row["id"]
    rows[Pupil].append({"id": pupil_id, "person_id": row["id"], "class_id": school_class.id,
                        "enrolled_on": dt.date(start.year - grade + 1, 9, 1), "left_on": None,
                        "consent_on": start - dt.timedelta(days=ctx.rng.randint(2, 20))})
    rows[Enrolment].append({"id": ctx.ids.take(Enrolment), "pupil_id": pupil_id,
                            "class_id": school_class.id, "start_date": start, "end_date": None})
    ctx.pupil_people[pupil_id] = row["id"]
    return born


def _remember(ctx: Context, people: list[dict], pupils: list[dict]) -> None:
    """Keep the names, and each class's pupils in journal order (surname, first name...)."""
    person = {p["id"]: p for p in people}
    for p in people:
        ctx.person_names[p["id"]] = Name(p["last_name"], p["first_name"], p["patronymic"],
                                         p["sex"])
    by_class: dict[int, list[dict]] = defaultdict(list)
    for pupil in pupils:
        by_class[pupil["class_id"]].append(pupil)
    for school_class in ctx.classes:
        school_class.pupils = [p["id"] for p in sorted(
            by_class[school_class.id],
            key=lambda p: person[p["person_id"]]["search_name"])]


def add_subgroups(ctx: Context, from_grade: int) -> None:
    """Two subgroups (first and second half of the list) in every class from a grade on."""
    groups, members = [], []
    for school_class in ctx.classes:
        if school_class.grade < from_grade:
            continue
        half = (len(school_class.pupils) + 1) // 2
        for number in (1, 2):
            sid = ctx.ids.take(Subgroup)
            part = school_class.pupils[:half] if number == 1 else school_class.pupils[half:]
            school_class.subgroups[number] = (sid, part)
            name = f"{number}-топ" if school_class.language == "kk" else f"{number} группа"
            groups.append({"id": sid, "class_id": school_class.id, "name": name})
            members += [{"subgroup_id": sid, "pupil_id": p} for p in part]
    ctx.count("subgroup", bulk_insert(Subgroup, groups))
    bulk_insert(SubgroupMember, members)


# -- accounts -------------------------------------------------------------------------------

def add_users(ctx: Context) -> None:
    """A user for every staff member, parent and pupil; all share one password hash."""
    for username in ("admin", "director", "deputy", "secretary", "teacher", "classteacher",
                     "parent", "pupil"):
        ctx.usernames.reserve(username)
    users, roles = [], []
    scopes = {post: (role, scope) for _u, post, _p, role, scope in ADMINISTRATION}
    for info in ctx.staff:
        role, scope = scopes.get(info.spec, ("teacher", None))
        info.user_id = _user(ctx, users, roles, info.person_id, info.name, info.username,
                             role, scope)
    names = ctx.person_names
    fixed_by_person = {pid: username for username, pid in ctx.fixed.items()}
    for role, people in (("parent", ctx.parent_people), ("pupil", ctx.pupil_people.values())):
        for pid in people:
            _user(ctx, users, roles, pid, names[pid], fixed_by_person.get(pid), role, None)
    ctx.count("user", bulk_insert(User, users))
    bulk_insert(UserRole, roles)


def _user(ctx: Context, users: list, roles: list, person_id: int, name: Name,
          username: str | None, role: str, scope: str | None) -> int:
    uid = ctx.ids.take(User)
    username = username or ctx.usernames.make(name.last, name.first, name.patronymic)
    made = ctx.stamp(ctx.calendar.start - dt.timedelta(days=7), 9)
    users.append({"id": uid, "username": username, "password_hash": ctx.password_hash,
                  "person_id": person_id, "locale": None, "active": True,
                  "created_at": made, "issued_at": made, "last_login_at": None})
    roles.append({"id": ctx.ids.take(UserRole), "user_id": uid, "role": role, "scope": scope})
    return uid


def add_consents(ctx: Context) -> None:
    """Every pupil's consent to personal-data processing, given by the first representative
    (or, with none, recorded for the pupil) on the day kept on the pupil: two statements."""
    text_id = ctx.ids.take(ConsentText)
    bulk_insert(ConsentText, [{"id": text_id, "version": "1", "text_ru": CONSENT_RU,
                               "text_kk": CONSENT_KK,
                               "created_at": ctx.stamp(ctx.calendar.start, 8)}])
    recorder = db.session.scalar(select(func.min(User.id)))
    first_giver = (select(func.min(Guardian.person_id)).where(Guardian.pupil_id == Pupil.id)
                   .scalar_subquery())
    db.session.execute(insert(Consent).from_select(
        ["pupil_id", "giver_id", "text_id", "given_on", "recorded_by", "recorded_at"],
        select(Pupil.id, func.coalesce(first_giver, Pupil.person_id), literal(text_id),
               Pupil.consent_on, literal(recorder), literal(ctx.stamp(ctx.calendar.start, 8)))
        .where(Pupil.consent_on.is_not(None))))


CONSENT_RU = ("Я, законный представитель обучающегося, даю согласие на обработку его "
              "персональных данных и моих персональных данных в электронном журнале и дневнике "
              "школы (фамилия, имя, отчество, дата рождения, класс, успеваемость, посещаемость, "
              "контакты) для ведения учёта успеваемости и информирования семьи. Согласие может "
              "быть отозвано письменным заявлением.")
CONSENT_KK = ("Мен, білім алушының заңды өкілі, оның және менің дербес деректерімді мектептің "
              "электрондық журналы мен күнделігінде (тегі, аты, әкесінің аты, туған күні, "
              "сыныбы, үлгерімі, сабаққа қатысуы, байланыс деректері) үлгерімді есепке алу және "
              "отбасын хабардар ету үшін өңдеуге келісім беремін. Келісім жазбаша өтінішпен "
              "кері қайтарылуы мүмкін.")
