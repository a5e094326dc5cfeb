"""People at school scale (issue 15): the pupils grid of a 1,000-pupil school, and a class
list of 1,000 pupils with 1,500 parents imported into an empty school.

Budgets from the issue: "a grid of 1,000 pupils with a search and a filter answers with
p95 < 50 ms and a fixed number of SQL statements"; "importing 1,000 pupils with 1,500
parents takes < 10 s".

The grid is timed over HTTP against the demo school (h.app("demo"), 1,000 pupils), signed in
as its administrator. The import runs in-process, as the import views call it: the XLSX
bytes read by services.tabular.read_table, ClassListImporter.plan, then apply and commit, on
a fresh SQLite file per run (a new school with 44 classes this year and no pupils).
"""
from __future__ import annotations

import datetime as dt
import io
import random
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

# -- the grid ---------------------------------------------------------------------------------

GRID = "/admin/pupils"
SEARCH = "ова"  # the commonest ending of girls' surnames: hundreds of matches, several pages
LATER_PAGE = 15
HTMX = {"HX-Request": "true"}  # what the grid's active search sends: the #listing block only
_TOTAL = re.compile(r'role="status">(\d+)')


def grid_url(**args) -> str:
    return GRID + ("?" + urlencode(args) if args else "")


def run(h) -> None:
    """The grid first: it needs the harness's server; the import runs in-process after."""
    grid(h)
    class_list_import(h)


def grid(h) -> None:
    """Time the pupils grid plain, searched, filtered, sorted and paged; check the counts."""
    h.app("demo")
    admin = h.login("admin")
    class_id, class_name, class_size = _a_class(h)
    views = [  # (short name for the SQL note, operation, url, headers)
        ("page 1", "pupils grid, page 1 of 1,000", grid_url(), None),
        ("search", f"pupils grid, search “{SEARCH}”", grid_url(q=SEARCH), None),
        ("search+sex", f"pupils grid, search “{SEARCH}” + sex filter",
         grid_url(q=SEARCH, f_sex="f"), None),
        ("search+class", f"pupils grid, search “{SEARCH}” + class {class_name}",
         grid_url(q=SEARCH, f_class_id=class_id), None),
        ("sorted", "pupils grid, sorted by birth date (desc)", grid_url(sort="-birth_date"),
         None),
        (f"page {LATER_PAGE}", f"pupils grid, page {LATER_PAGE}", grid_url(page=LATER_PAGE),
         None),
        ("htmx", "pupils grid, search + sex filter (htmx fragment)",
         grid_url(q=SEARCH, f_sex="f"), HTMX),
    ]
    sql = {}
    for short, operation, url, headers in views:
        first = _get(admin, url, headers)
        sql[short] = h.count_sql(lambda u=url, hd=headers: _get(admin, u, hd))
        h.time(operation, lambda u=url, hd=headers: _get(admin, u, hd), 50, n=100,
               sql_statements=sql[short], kb=round(len(first.body) / 1024, 1),
               note=f"{_total(first.text)} rows found")
    _grid_checks(h, admin, sql, class_id, class_name, class_size)


def _grid_checks(h, admin, sql: dict, class_id: int, class_name: str, size: int) -> None:
    """The SQL statement counts side by side (the budget: one number whatever the page, the
    search and the filters), and whether an upper-case search and the class filter find
    what they should."""
    h.note("pupils grid SQL statements (page 1 / page 15 / search+filter)", sql["page 1"],
           ok=len(set(sql.values())) == 1, note=", ".join(f"{k} {n}" for k, n in sql.items()))
    lower = _total(_get(admin, grid_url(q=SEARCH)).text)
    upper = _total(_get(admin, grid_url(q=SEARCH.upper())).text)
    h.note(f"pupils grid: “{SEARCH.upper()}” finds as many as “{SEARCH}”", upper,
           ok=upper == lower, note=f"{upper} vs {lower}")
    found = _total(_get(admin, grid_url(f_class_id=class_id)).text)
    h.note(f"pupils grid: class filter {class_name} finds its pupils", found,
           ok=found == size, note=f"{found} rows, the class has {size}")


def _a_class(h) -> tuple[int, str, int]:
    """A class of the demo school whose id is not its grade (so a filter that compared the
    wrong column would show): its id, name and number of pupils."""
    from sqlalchemy import func, select

    from extensions import db
    from models import Pupil, SchoolClass
    with h.app("demo").app_context():
        row = db.session.execute(
            select(SchoolClass, func.count(Pupil.id)).join(Pupil, Pupil.class_id == SchoolClass.id)
            .where(SchoolClass.grade == 7, SchoolClass.letter == "А")
            .group_by(SchoolClass.id)).first()
        return row[0].id, row[0].name, row[1]


def _get(client, url: str, headers: dict | None = None):
    r = client.get(url, headers=headers)
    assert r.status == 200, (url, r.status)
    return r


def _total(html: str) -> int:
    match = _TOTAL.search(html)
    assert match, "no row count on the grid page"
    return int(match.group(1))


# -- the class list ---------------------------------------------------------------------------

SEED = 15
PUPILS, PARENTS, SIBLING_FAMILIES = 1000, 1500, 60
GRADES, LETTERS = range(1, 12), "АБВГ"
KAZAKH = {(g, "Б") for g in (1, 4, 7, 10)}  # Kazakh-language classes, as in many schools
FILENAME = "class_list.xlsx"
HEADER = ("Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "Адрес", "Телефон",
          "Приказ", "Родитель 1", "Кем приходится 1", "Телефон родителя 1", "Родитель 2",
          "Кем приходится 2", "Телефон родителя 2")
STREETS = ("ул. Абая", "ул. Сейфуллина", "ул. Толе би", "ул. Ауэзова", "пр. Жибек жолы",
           "ул. Пушкина", "ул. Гоголя", "ул. Байтурсынова", "мкр. Самал-2", "ул. Жандосова")


def school_start() -> int:
    """The year the current academic year starts, as services.setup.create_school picks it."""
    from services import clock
    today = clock.today()
    return today.year if today.month >= 7 else today.year - 1


def families(rng: random.Random) -> list[list[tuple[int, str]]]:
    """The children of each family as (grade, letter): PUPILS seats spread evenly over the
    classes, SIBLING_FAMILIES of them with two children in different grades of one
    language (a sibling's class is taught in the same language)."""
    classes = [(g, letter) for g in GRADES for letter in LETTERS]
    seats = [classes[i % len(classes)] for i in range(PUPILS)]
    rng.shuffle(seats)
    pools = {lang: [s for s in seats if (s in KAZAKH) == (lang == "kk")] for lang in ("kk", "ru")}
    pairs = {"kk": round(SIBLING_FAMILIES * len(pools["kk"]) / PUPILS)}
    pairs["ru"] = SIBLING_FAMILIES - pairs["kk"]
    out = []
    for lang, pool in pools.items():
        while pool:
            kids = [pool.pop()]
            other = next((i for i, s in enumerate(pool) if s[0] != kids[0][0]), None)
            if pairs[lang] and other is not None:
                kids.append(pool.pop(other))
                pairs[lang] -= 1
            out.append(kids)
    rng.shuffle(out)
    return out


def class_list(rng: random.Random) -> tuple[bytes, dict]:
    """The XLSX file of a secretary's class list, and its shape (pupils, parents, links)."""
    from openpyxl import Workbook

    from services.demo_names import Namer
    namer, phones = Namer(rng), _phones(rng)
    kids_of = families(rng)
    two_parents = set(rng.sample(range(len(kids_of)), PARENTS - len(kids_of)))
    rows, seen = [], set()
    for n, kids in enumerate(kids_of):
        parents = _parents(rng, namer, kids, two=n in two_parents, phones=phones)
        rows += _family_rows(rng, namer, kids, parents, seen)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Список класса")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    links = sum(1 for r in rows for cell in (r[9], r[12]) if cell)
    return out.getvalue(), {"pupils": len(rows), "parents": PARENTS, "links": links,
                            "two_parents": sum(1 for r in rows if r[12])}


def _language(kids: list[tuple[int, str]], rng: random.Random) -> str:
    # Kazakh classes are Kazakh families; a third of the Russian classes' families are too.
    return "kk" if kids[0] in KAZAKH or rng.random() < 0.3 else "ru"


def _parents(rng, namer, kids, two: bool, phones) -> dict:
    """The family's name parts and its one or two parents as (cell name, relation, phone)."""
    lang = _language(kids, rng)
    surname, father = namer.surname(lang), namer.father_name(lang)
    mother = namer.person(lang, "f", surname=surname)
    dad = namer.person(lang, "m", surname=surname, father=namer.father_name(lang))
    words = ("анасы", "әкесі") if lang == "kk" else ("мать", "отец")
    people = [(mother, words[0]), (dad, words[1])]
    if not two:  # a single parent: mostly the mother, sometimes a guardian
        people = [people[0] if rng.random() < 0.8 else people[1]]
        if rng.random() < 0.05:
            people = [(people[0][0], "опекун")]
    parents = []
    for name, relation in people:
        first = father if relation == words[1] else name.first  # the children's patronymic
        full = " ".join(p for p in (name.last, first, name.patronymic) if p)
        parents.append((full, relation, next(phones)))
    return {"lang": lang, "surname": surname, "father": father, "parents": parents}


def _family_rows(rng, namer, kids, family: dict, seen: set) -> list[tuple]:
    """One row a child; a sibling's row names the same parents, the phone written the other
    way (+7 ... / 8 ...), as two class teachers would: the import must find them again."""
    address = f"{rng.choice(STREETS)}, {rng.randint(1, 180)}, кв. {rng.randint(1, 120)}"
    rows = []
    for k, (grade, letter) in enumerate(kids):
        name, born = _child(rng, namer, family, grade, seen)
        parent_cells = []
        for full, relation, phone in family["parents"]:
            parent_cells += [full, relation, phone if k == 0 else "8" + phone[2:]]
        parent_cells += [""] * (6 - len(parent_cells))
        pupil_phone = f"+7 747 {rng.randint(100, 999)} {rng.randint(10, 99)} " \
                      f"{rng.randint(10, 99)}" if grade >= 5 else ""
        rows.append((name.last, name.first, name.patronymic, born, "м" if name.sex == "m"
                     else "ж", _class_cell(rng, grade, letter), address, pupil_phone,
                     f"№ {rng.randint(1, 300)}-у", *parent_cells))
    return rows


def _child(rng, namer, family: dict, grade: int, seen: set):
    """A child's name and birth date, never one already in the file (the import would
    refuse a second row of the same pupil)."""
    while True:
        name = namer.person(family["lang"], surname=family["surname"], father=family["father"])
        born = dt.date(school_start() - grade - 7, 9, 2) + dt.timedelta(days=rng.randrange(365))
        key = (name.last, name.first, name.patronymic, born)
        if key not in seen:
            seen.add(key)
            return name, born


def _class_cell(rng, grade: int, letter: str) -> str:
    # The ways people type a class; the importer reads them all as one class.
    return rng.choice((f"{grade} «{letter}»", f"{grade}{letter}", f"{grade} {letter}",
                       f"{grade}-{letter.lower()}"))


def _phones(rng: random.Random):
    """Distinct mobile numbers, "+7 7XX XXX XX XX"."""
    for n in rng.sample(range(10**7), PARENTS * 2):
        yield f"+7 7{rng.choice(('01', '02', '05', '07', '47', '77'))} {n // 10**4:03d} " \
              f"{n // 100 % 100:02d} {n % 100:02d}"


# -- the import -------------------------------------------------------------------------------

IMPORT_RUNS = 3


def class_list_import(h) -> None:
    """Import the class list into IMPORT_RUNS fresh schools; then the same file again."""
    data, shape = class_list(random.Random(SEED))
    runs = [_import_once(data, shape) for _ in range(IMPORT_RUNS)]
    times = {k: [r[k] for r in runs] for k in ("read", "plan", "apply", "total", "again")}
    sql = runs[-1]["sql"]
    h.record("import 1,000 pupils + 1,500 parents (plan+apply)", times["total"], 10000,
             sql_statements=sql["plan"] + sql["apply"],
             note=f"{IMPORT_RUNS} fresh schools, {len(data) // 1024} KB XLSX")
    h.record("import: read the XLSX (read_table)", times["read"], None)
    h.record("import: plan (empty school)", times["plan"], None, sql_statements=sql["plan"])
    h.record("import: apply + commit", times["apply"], None, sql_statements=sql["apply"])
    h.record("import again, same file (1,000 rows unchanged)", times["again"], None,
             sql_statements=sql["again"], note="read+plan+apply+commit")
    made = runs[-1]["made"]
    h.note("import: parents created (file has 1,500)", made["parents"],
           ok=made["parents"] == shape["parents"] and made["links"] == shape["links"],
           note=f"{made['pupils']} pupils ({shape['two_parents']} with 2 parents), "
                f"{made['links']} guardian links (file: {shape['links']}), "
                f"{SIBLING_FAMILIES} sibling families")


def _import_once(data: bytes, shape: dict) -> dict:
    """One import into an empty school on a new SQLite file: times in ms, SQL counts, and
    what was made."""
    from extensions import db
    with tempfile.TemporaryDirectory(prefix="tabel-import-") as tmp:
        app = _empty_school_app(Path(tmp) / "school.sqlite3")
        with app.app_context():
            user = _new_school()
            counter = SqlCounter(db.engine)
            out = _first_import(data, user, counter)
            out["made"] = _made()
            assert out["made"]["pupils"] == shape["pupils"], out["made"]
            again = _second_import(data, user, counter, out["made"])
            out["again"], out["sql"]["again"] = again["ms"], again["sql"]
            db.session.remove()
            db.engine.dispose()
    return out


def _first_import(data: bytes, user, counter) -> dict:
    from extensions import db
    from services.people.importing import ClassListImporter
    from services.tabular import read_table
    importer, sql = ClassListImporter(), {}
    t0 = time.perf_counter()
    cells = read_table(FILENAME, data)
    t1 = time.perf_counter()
    with counter as c:
        plan = importer.plan(cells, FILENAME)
    sql["plan"], t2 = c.n, time.perf_counter()
    assert not plan.refused, [(r.number, r.reason) for r in plan.refused[:5]]
    assert plan.count("create") == PUPILS, plan.count("create")
    with counter as c:
        importer.apply(user, plan)
        db.session.commit()
    sql["apply"], t3 = c.n, time.perf_counter()
    return {"read": _ms(t0, t1), "plan": _ms(t1, t2), "apply": _ms(t2, t3),
            "total": _ms(t0, t3), "sql": sql}


def _ms(start: float, end: float) -> float:
    return (end - start) * 1000


def _second_import(data: bytes, user, counter, before: dict) -> dict:
    """The same file again, as a secretary who uploads it twice: every row unchanged, nothing
    written."""
    from extensions import db
    from models import User
    from services.people.importing import ClassListImporter
    from services.tabular import read_table
    importer = ClassListImporter()
    db.session.remove()  # the upload is a new request: it starts with an empty session
    user = db.session.get(User, user.id)
    t0 = time.perf_counter()
    with counter as c:
        plan = importer.plan(read_table(FILENAME, data), FILENAME)
        unchanged = plan.count("same")
        done = importer.apply(user, plan)
        db.session.commit()
    again = _ms(t0, time.perf_counter())
    assert unchanged == PUPILS, {s: plan.count(s) for s in ("create", "change", "refused")}
    assert done == {"same": PUPILS}, done
    assert _made() == before, (_made(), before)
    return {"ms": again, "sql": c.n}


def _made() -> dict:
    """Pupils, parents (people linked as a guardian) and guardian links in the database."""
    from sqlalchemy import distinct, func, select

    from extensions import db
    from models import Guardian, Pupil
    return {"pupils": db.session.scalar(select(func.count()).select_from(Pupil)),
            "parents": db.session.scalar(select(func.count(distinct(Guardian.person_id)))),
            "links": db.session.scalar(select(func.count()).select_from(Guardian))}


def _empty_school_app(path: Path):
    from app import create_app
    from extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
    return app


def _new_school():
    """A school as its first-run page makes it (the year, its periods, an administrator),
    then its classes for this year: 1-11 «А»-«Г», some taught in Kazakh. The administrator."""
    from extensions import db
    from models import SchoolClass
    from services import school as school_service
    from services.people.common import PersonData
    from services.setup import NewSchool, create_school
    user = create_school(NewSchool(
        "Школа-гимназия № 15", "Гимназия 15", "Asia/Almaty", "ru",
        PersonData("Сейткали", "Айгерим", "Маратовна", "f"), "bench.admin",
        "import-bench-Pw-7318"))
    year = school_service.current_year()
    db.session.add_all(SchoolClass(year_id=year.id, grade=g, letter=letter,
                                   language="kk" if (g, letter) in KAZAKH else "ru",
                                   period_scheme="quarter" if g <= 9 else "half")
                       for g in GRADES for letter in LETTERS)
    db.session.commit()
    return user


class SqlCounter:
    """SQL statements run on an engine inside a with-block."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.n, self.on = 0, False
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        if self.on:
            self.n += 1

    def __enter__(self):
        self.n, self.on = 0, True
        return self

    def __exit__(self, *_exc) -> None:
        self.on = False
