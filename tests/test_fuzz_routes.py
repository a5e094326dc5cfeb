"""Random input to every form and htmx endpoint (issue 19): never a 500, never a trace in the
answer, and a refusal leaves the database exactly as it was.

Each route of the URL map gets, from hypothesis, its URL ids (mostly real, sometimes 0 or
out of the database's range), and the fields its blueprint reads (found in the blueprint's
source: request.form/args keys, WTForms fields, the admin grid's columns), each missing or
holding a plausible value, a bad id ("²", "１２", "1e3", 2^63...), a number, a date or any
text; or one trap in every field at once. Routes are grouped by blueprint and role, so a
destructive action accepted in one group (a year closed, a pupil departed) does not starve
the others of data. Each route and role has its own fixed seed: CI runs the same examples
every time, and different routes do not all get the same ones.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import html
import io
import re
import sys
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from blueprints.parse import MAX_ID
from extensions import db
from services.reports import filters as report_filters
from services.reports import registry
from tests import route_map
from tests.conftest import TODAY
from tests.fragments import status

ROLES = ("admin", "teacher", "ct", "deputy", "mum")
# Written on purpose by requests that are refused: a failed sign-in, a parent's visit.
LOG_TABLES = {"login_attempt", "diary_visit"}
BAD_IDS = ("0", "-1", str(MAX_ID), str(2**31), str(2**63), str(10**30), "²", "１２", "1e3", "",
           " ", "1.5", "0x1f", "٣", "NaN", "None", "null", "-0", "+1", "1 ", "\x00", "9" * 40,
           "0001-01-01", "9999-12-31", "2026-02-30", "2026-W48-1", "20261123", "00:00")
PLAIN = ("1", "2", "3", "4", "5", "yes", "no", "on", "y", "n", "illness", "other", "period",
         "year", "current", "control", "2026-11-23", "2026-11-18", "2026-12-31", "08:30",
         "А", "Дроби", "ru", "kk", "н", "зач", "осв", "quarter", "half")
LEAK = re.compile(r"Traceback|File \"/|sqlalchemy|sqlite3|psycopg|OperationalError|"
                  r"IntegrityError|\bSELECT\b|\bINSERT INTO\b|site-packages|"
                  + re.escape(str(Path(__file__).resolve().parents[1])))
SETTINGS = settings(max_examples=8, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# ---- which fields a blueprint reads ---------------------------------------------------------

# Read by a service from the query string it is given, out of the blueprint's sight.
EXTRA_FIELDS = {"blueprints.reports": report_filters.NAMES + ("month",)}
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,30}")
_INPUTS = {"form", "args", "values", "files", "formdata", "data"}


def _is_input(node) -> bool:
    """request.form, request.args..., or a parameter named form/args (the parsing helpers)."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name in _INPUTS


def _strings(nodes) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and _FIELD.fullmatch(n.value)}


def _harvest(tree) -> tuple[set[str], set[str], set[str], set[str]]:
    """(field names, name prefixes such as "cell-", file fields, form prefixes) in a module."""
    names, prefixes, files, forms = set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if attr in ("get", "getlist") and _is_input(getattr(func, "value", None)) \
                    or any(_is_input(a) for a in node.args) or attr == "Col":
                found = _strings(node.args[:2])
                names |= found
                if isinstance(func, ast.Attribute) and getattr(func.value, "attr", "") == "files":
                    files |= found
            if attr == "startswith" and node.args:
                prefixes |= {a.value for a in node.args if isinstance(a, ast.Constant)}
            # A form built with prefix="move" posts move-pupil, move-source...
            forms |= {f"{k.value.value}-" for k in node.keywords if k.arg == "prefix"
                      and isinstance(k.value, ast.Constant) and k.value.value}
        elif isinstance(node, ast.Subscript) and _is_input(node.value):
            names |= _strings([node.slice])
        elif isinstance(node, ast.JoinedStr) and node.values \
                and isinstance(node.values[0], ast.Constant) \
                and re.fullmatch(r"[a-z_]+[-_]", str(node.values[0].value)):
            prefixes.add(node.values[0].value)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Call):
                    kind = ast.unparse(item.value.func)
                    if kind.endswith("Field"):
                        field = {t.id for t in item.targets if isinstance(t, ast.Name)}
                        names |= field
                        files |= field if "File" in kind else set()
    return names, prefixes, files, forms


@functools.cache
def fields_of(module: str) -> tuple[frozenset, frozenset, frozenset]:
    """The fields read anywhere in the view's blueprint (its package, or its one file)."""
    path = Path(sys.modules[module].__file__)
    sources = sorted(path.parent.glob("*.py")) if module.count(".") > 1 else [path]
    names, prefixes, files = set(EXTRA_FIELDS.get(module.rsplit(".", 1)[0], ())), set(), set()
    forms = set()
    for source in sources:
        n, p, f, w = _harvest(ast.parse(source.read_text()))
        names, prefixes, files, forms = names | n, prefixes | p, files | f, forms | w
    names |= {f"{form}{name}" for form in forms for name in names}
    return frozenset(names), frozenset(prefixes), frozenset(files)


# ---- what to send ----------------------------------------------------------------------------

def _mostly(good, bad, odds: int = 4):
    """`good` about odds times in odds + 1 (hypothesis' one_of picks branches evenly, and a
    form that fails on its first field tests nothing behind it)."""
    return st.integers(0, odds).flatmap(lambda k: bad if k == 0 else good)


NASTY = st.one_of(
    st.sampled_from(BAD_IDS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=300),
    st.text(alphabet="0123456789-.:,e+ ²１٣", max_size=25),
)
_DATE_NAME = re.compile(r".*(_on|date|day|week|_due|_at|starts|ends)")
_ID_NAMES = {"pupil": "pupil_id", "page": "page_id", "lesson": "lesson_id", "period":
             "period_id", "class": "class_id", "subject": "subject_id", "teacher": "staff_id",
             "substitute": "staff_id", "giver": "person_id", "target": "class_id",
             "source": "class_id", "ids": "row_id", "work_type": "item_id", "group": "item_id"}


def plausible(name: str, cands, ids: list[str]):
    """What a browser would send for a field of this name."""
    if _DATE_NAME.fullmatch(name):
        return st.sampled_from(["2026-11-23", "2026-11-18", "2026-11-16", "2026-12-31",
                                "2026-09-01", "2027-05-31"])
    key = _ID_NAMES.get(name.removesuffix("_id"), name if name in cands else "")
    if key in cands and cands[key]:
        return st.sampled_from([str(v) for v in cands[key]])
    if name.endswith(("_id", "_ids")):
        return st.sampled_from(ids)
    return st.sampled_from(ids[:3] + list(PLAIN))


def _upload(name: str):
    return st.binary(max_size=400).map(lambda b: (io.BytesIO(b), f"{name}.csv"))


def form_data(module: str, cands, ids: list[str]):
    """A dict of fields, each maybe missing, a value or a list of values (getlist)."""
    names, prefixes, files = fields_of(module)
    optional = {name: _mostly(_value(name, cands, ids), st.lists(
        _value(name, cands, ids), min_size=2, max_size=3)) for name in names - files}
    optional |= {f"{prefix}{i}": _value("value", cands, ids)
                 for prefix in prefixes for i in cands["pupil_id"][:2]}
    optional |= {name: _upload(name) for name in files}
    mixed = st.fixed_dictionaries({}, optional=optional)
    # One trap in every field at once: a parser that reads all its fields (a report's
    # filters) meets each trap within a few examples.
    poisoned = st.sampled_from(BAD_IDS).map(lambda bad: {name: bad for name in names - files})
    return _mostly(mixed, poisoned, 2)


def _value(name: str, cands, ids: list[str]):
    return _mostly(plausible(name, cands, ids), NASTY)


def url_part(name: str, cands, endpoint: str):
    """Mostly a real value: a route that 404s on its URL never reads its form."""
    text = st.text(min_size=1, max_size=40).map(lambda t: quote(t, safe=""))
    if name not in cands:  # a new route the route walk will ask sample values for
        return text
    real = st.sampled_from(cands[name])
    if endpoint.startswith("reports.") and name == "key":
        registry.load_all()
        real = st.sampled_from(sorted(registry.REPORTS))
    if name.endswith("_id") or name == "grade":
        return _mostly(real, st.sampled_from([0, MAX_ID, 2**63, 10**30]), 6)
    return _mostly(real, text, 6)


# ---- the database, before and after ----------------------------------------------------------

def fingerprint() -> dict[str, tuple[int, str]]:
    """Per table: its row count and a hash of its rows (sorted: PostgreSQL keeps no order)."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in LOG_TABLES:
                continue
            query = select(table)
            if table.name == "audit_event":
                # A staff read of a card or diary is logged when the page opens, before a
                # bad ?period= turns it into a 404: a log of the attempt, like a visit.
                query = query.where(~table.c.action.like("%read"))
            rows = sorted(repr(tuple(r)) for r in conn.execute(query))
            out[table.name] = (len(rows), hashlib.blake2b("\n".join(rows).encode()).hexdigest())
    return out


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _check(response, method: str, url: str, sent, state: dict) -> None:
    """The properties of one answer; `state["db"]` is the fingerprint before it."""
    assert response.status_code < 500, (method, url, sent, response.status_code)
    if response.mimetype.startswith("text/") or response.mimetype.endswith("json"):
        leak = LEAK.search(response.get_data(as_text=True))
        assert leak is None, (method, url, sent, leak and leak.group(0))
    before, state["db"] = state["db"], fingerprint()  # kept current even when this fails
    if status(response) >= 400:
        changed = _changed(before, state["db"])
        assert not changed, (method, url, sent, status(response), changed)


# ---- the tests -------------------------------------------------------------------------------

@pytest.fixture
def lessons(school):
    return route_map.sample_lessons(school)


def _post_groups() -> list[str]:
    """The blueprints with POST routes (the sign-in forms have a test of their own)."""
    from app import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({r.endpoint.split(".")[0] for r in route_map.rules(app, "POST")} - {"auth"})


def _fuzz_rule(client, rule, method: str, cands, ids: list[str], state: dict) -> None:
    parts = {name: url_part(name, cands, rule.endpoint) for name in sorted(rule.arguments)}
    module = client.application.view_functions[rule.endpoint].__module__

    @SETTINGS
    @seed(zlib.crc32(f"{rule.endpoint} {state['who']}".encode()))  # varied, reproducible
    @given(url=st.fixed_dictionaries(parts), data=form_data(module, cands, ids),
           htmx=st.booleans())
    def one(url, data, htmx):
        path = route_map.fill(rule, url)
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "POST":
            response = client.post(path, data=_fresh(data), headers=headers)
        else:
            response = client.get(path, query_string=data, headers=headers)
        _check(response, method, path, data, state)

    one()


def _fresh(data: dict) -> dict:
    """Uploads as new streams: hypothesis may replay an example whose stream was read."""
    return {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
            for k, v in data.items()}


def _run(app, client, school, lessons, group: str | None, method: str, who: str) -> None:
    """Every rule of the group (None: of the whole map) answering `method`."""
    cands = route_map.candidates(school, lessons)
    ids = sorted({str(v) for k, vs in cands.items() if k.endswith("_id") for v in vs})
    state = {"db": fingerprint(), "who": who}
    for rule in route_map.rules(app, method):
        if group in (None, rule.endpoint.split(".")[0]):
            _fuzz_rule(client, rule, method, cands, ids, state)


@pytest.mark.parametrize("group", _post_groups())
@pytest.mark.parametrize("username", ROLES)
def test_posts(app, school, lessons, login, username, group):
    _run(app, login(username), school, lessons, group, "POST", username)


@pytest.mark.parametrize("username", ROLES)
def test_gets(app, school, lessons, login, username):
    """Pages and their query strings: one school per role (a page changes nothing)."""
    _run(app, login(username), school, lessons, None, "GET", username)


def test_sign_in_forms(app, school, lessons, client):
    """The forms a stranger reaches: sign-in, first run, password change (refused)."""
    _run(app, client, school, lessons, "auth", "POST", "stranger")


# ---- one field of a form that works, made wrong ------------------------------------------------

def _good_posts(school, lessons) -> list[tuple[str, str, dict]]:
    """(who, url, fields) of forms the app accepts as they are (from the feature tests)."""
    s, today = school, school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    person = {"last_name": "Ершова", "first_name": "Мадина", "patronymic": "Ерлановна",
              "sex": "f", "birth_date": "2015-04-02", "phone": "+7 701 222 33 44"}
    return [
        ("teacher", f"/journal/lessons/{today.id}/cell",
         {"pupil": s.anna.id, "value": "5", "old": "", "comment": "у доски"}),
        ("teacher", f"/pages/{s.maths5.id}/lessons/new", {"day": "2026-11-25", "number": "7"}),
        ("teacher", f"/corrections/new?lesson={lessons[0].id}&pupil={s.vera.id}",
         {"new_value": "4", "reason": "retake", "note": "", "doc_number": "П-7",
          "doc_date": "2026-11-20"}),
        ("admin", "/people/pupils/new", {**person, "class_id": s.c5.id, "on": "2026-11-24",
                                         "order_no": "№ 51-у", "order_date": "2026-11-23"}),
        ("ct", f"/classes/{s.c5.id}/groups", {"new-name": "ФИЗО"}),
        ("admin", "/admin/subjects/new", {"code": "geo", "name_ru": "География",
                                          "name_kk": "География"}),
    ]


@pytest.mark.parametrize("case", range(6))
def test_one_field_wrong(app, school, lessons, login, case):
    """A form that would be accepted, with one field missing or holding a trap."""
    who, url, good = _good_posts(school, lessons)[case]
    _one_field_wrong(login(who), url, good, {"db": fingerprint()})


def _one_field_wrong(client, url: str, good: dict, state: dict) -> None:
    """Post `good` with one of its fields left out or holding a trap, a few times."""
    @SETTINGS
    @seed(zlib.crc32(url.encode()))
    @given(field=st.sampled_from(sorted(good)), value=st.one_of(st.none(), NASTY),
           htmx=st.booleans())
    def one(field, value, htmx):
        data = {k: v for k, v in good.items() if k != field or value is not None}
        data |= {field: value} if value is not None else {}
        response = client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})
        _check(response, "POST", url, data, state)

    one()


# ---- every form as a page renders it, one field wrong ------------------------------------------

_FORM = re.compile(r'<form\b([^>]*)>(.*?)</form>', re.S)
_INPUT = re.compile(r'<(input|select|textarea)\b([^>]*)>(?:(.*?)</textarea>)?', re.S)
_OPTION = re.compile(r'<option\b([^>]*)>', re.S)


def _attrs(text: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', text)}


def page_forms(page: str) -> list[tuple[str, dict]]:
    """(action, fields with the values the page shows) of each POST form on a page."""
    out = []
    for head, body in _FORM.findall(page):
        form = _attrs(head)
        if form.get("method", "get").lower() != "post":
            continue
        fields: dict[str, str] = {}
        for kind, attrs, text in _INPUT.findall(body):
            a = _attrs(attrs)
            name, checked = a.get("name"), re.search(r"\bchecked\b", attrs)
            if not name or name == "csrf_token" or a.get("type") == "file" or (
                    a.get("type") in ("checkbox", "radio") and not checked):
                continue
            value = html.unescape(text or "") if kind == "textarea" else a.get("value", "")
            if kind == "select":
                after = body[body.find(attrs):]
                options = [_attrs(o) for o in _OPTION.findall(after.split("</select>")[0])]
                chosen = [o for o in options if "selected" in o] or options[:1]
                value = chosen[0].get("value", "") if chosen else ""
            fields.setdefault(name, value)
        out.append((html.unescape(form.get("action", "")), fields))
    return out


def _edit_pages(school, lessons) -> list[tuple[str, str]]:
    """(who, page) whose forms are posted back with one field wrong."""
    s = school
    rows = {"subjects": s.maths.id, "classes": s.c5.id, "years": s.builder.year.id,
            "periods": s.builder.periods[1].id, "staff": s.t_staff.id, "pupils": s.anna.id}
    return [("admin", f"/admin/{key}/{row}/edit") for key, row in rows.items()] + [
        ("admin", "/admin/settings"), ("admin", f"/people/pupils/{s.anna.id}"),
        ("admin", f"/people/staff/{s.t_staff.id}"), ("teacher", f"/lessons/{lessons[0].id}"),
        ("deputy", f"/load/pages/{s.maths5.id}"), ("admin", "/accounts/consent-texts"),
        ("deputy", "/reports/batch"), ("ct", f"/classes/{s.c5.id}/groups")]


@pytest.mark.parametrize("case", range(14))
def test_rendered_forms_one_field_wrong(app, school, lessons, login, case):
    """Each POST form of a page, filled as the page shows it, with one field missing or a trap."""
    who, page = _edit_pages(school, lessons)[case]
    client = login(who)
    shown = client.get(page)
    assert shown.status_code == 200, page
    state = {"db": fingerprint()}
    for action, good in page_forms(shown.get_data(as_text=True)):
        url = action or page
        if good and url.startswith("/") and not url.startswith(("/logout", "/language")):
            _one_field_wrong(client, url, good, state)
