"""The calendar-thematic plan: import parsing, editing, permissions and the pages."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale, ngettext
from markupsafe import escape
from openpyxl import Workbook

from extensions import db
from models import Lesson, PlanItem
from services import plan as svc
from tests.fragments import status
from tests.text import ru


@pytest.fixture
def rq(app):
    """A request context, for services whose messages are translated."""
    with app.test_request_context():
        yield


def key(school, grade=5) -> svc.PlanKey:
    return svc.PlanKey(school.t_staff.id, school.maths.id, grade)


def topics(school, grade=5) -> list[tuple[int, str, int]]:
    return [(i.number, i.topic, i.hours) for i in svc.items_of(key(school, grade))]


def xlsx(rows: list[tuple]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- parsing ----------------------------------------------------------------------------------

EXPECTED = [svc.PlanRow(1, "Натуральные числа", 2), svc.PlanRow(2, "Дроби, доли", 3),
            svc.PlanRow(3, "Проценты", 1)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("text", [
    "№;Тема;Часы\n1;Натуральные числа;2\n2;Дроби, доли;3\n3;Проценты;\n",
    "1,Натуральные числа,2\r\n2,\"Дроби, доли\",3\r\n\r\n3,Проценты,1\r\n",
])
def test_csv_in_both_encodings_and_separators(rq, encoding, text):
    assert svc.parse_plan_file("plan.csv", text.encode(encoding)) == EXPECTED


def test_xlsx_with_a_header_and_float_numbers(rq):
    data = xlsx([("Номер", "Тема урока", "Часы"), (1, "Натуральные числа", 2),
                 (2.0, "Дроби, доли", 3), (3, "Проценты", None)])
    assert svc.parse_plan_file("plan.xlsx", data) == EXPECTED


@pytest.mark.parametrize("text,row,message", [
    ("1;Тема;1\nдва;Тема;1\n", 2, "Row 2: the number must be a whole number."),
    ("1;Тема;1\n2;;1\n", 2, "Row 2: the topic is empty."),
    ("1;Тема;1\n2;Тема;0\n", 2, "Row 2: hours must be from 1 to 50."),
    ("1;Тема;1\n2;Тема;51\n", 2, "Row 2: hours must be from 1 to 50."),
    ("1;Тема;1\n2;Тема;x\n", 2, "Row 2: hours must be a whole number."),
    ("Номер;Тема;Часы\n1;Тема;1\n1;Другая;1\n", 3, "Row 3: number 1 is already used in row 2."),
    ("1;" + "я" * 301 + ";1\n", 1, "Row 1: the topic is longer than 300 characters."),
])
def test_bad_row_names_its_number(rq, text, row, message):
    # The source (English) message, whatever the catalogs say.
    with force_locale("en"), pytest.raises(svc.PlanError) as error:
        svc.parse_plan_file("plan.csv", text.encode("utf-8"))
    assert error.value.row == row
    assert error.value.message == message


def test_topic_of_300_characters_is_fine(rq):
    rows = svc.parse_plan_file("p.csv", ("1;" + "я" * 300 + ";1").encode())
    assert len(rows[0].topic) == 300


@pytest.mark.parametrize("data,message", [
    (b"", "The file is empty."),
    (b"PK\x03\x04garbage", "The file is not a readable XLSX workbook."),  # a zip under .csv
    (b"\n\n", "The file has no topics."),
])
def test_unreadable_files(rq, data, message):
    with force_locale("en"), pytest.raises(svc.PlanError) as error:
        svc.parse_plan_file("plan.csv", data)
    assert error.value.message == message


# -- editing ----------------------------------------------------------------------------------

def test_add_edit_move_delete_keep_numbers_dense(school, rq):
    k = key(school)
    for n, topic in enumerate(("А", "Б", "В"), start=1):
        svc.add_item(k, svc.PlanRow(n, topic, 1))
    svc.add_item(k, svc.PlanRow(1, "Начало", 2))  # inserted first, the rest move down
    assert [t for _, t, _ in topics(school)] == ["Начало", "А", "Б", "В"]
    item_v = svc.items_of(k)[3]
    svc.edit_item(k, item_v, svc.PlanRow(2, "В!", 3))  # moved up to number 2
    assert topics(school) == [(1, "Начало", 2), (2, "В!", 3), (3, "А", 1), (4, "Б", 1)]
    lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 23),
                                   plan_item_id=item_v.id, topic="В!")
    svc.delete_item(k, item_v)
    assert topics(school) == [(1, "Начало", 2), (2, "А", 1), (3, "Б", 1)]
    db.session.refresh(lesson)
    assert lesson.plan_item_id is None and lesson.topic == "В!"


def test_import_replaces_by_number_and_keeps_lesson_links(school, rq):
    k = key(school)
    first = svc.add_item(k, svc.PlanRow(1, "Старая", 1))
    gone = svc.add_item(k, svc.PlanRow(2, "Лишняя", 1))
    lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 23), plan_item_id=first.id)
    other = school.builder.lesson(school.maths5, dt.date(2026, 11, 24), plan_item_id=gone.id)
    assert svc.replace_plan(k, [svc.PlanRow(1, "Новая", 2), svc.PlanRow(3, "Третья", 1)]) == (
        1, 1, 1)
    assert topics(school) == [(1, "Новая", 2), (3, "Третья", 1)]
    db.session.refresh(lesson)
    db.session.refresh(other)
    assert lesson.plan_item_id == first.id and other.plan_item_id is None


def test_taught_counts(school, rq):
    k = key(school)
    item = svc.add_item(k, svc.PlanRow(1, "Тема", 2))
    b = school.builder
    b.lesson(school.maths5, dt.date(2026, 11, 23), plan_item_id=item.id)
    b.lesson(school.maths5, dt.date(2026, 11, 24), plan_item_id=item.id)
    b.lesson(school.maths6, dt.date(2026, 11, 24), plan_item_id=item.id)
    counts = svc.taught_counts([item])
    assert sorted((p.id, n) for p, n in counts[item.id]) == [(school.maths5.id, 2),
                                                              (school.maths6.id, 1)]


# -- HTTP -------------------------------------------------------------------------------------

def url(school, grade=5, suffix=""):
    return f"/plan/{school.maths.id}/{grade}{suffix}"


def test_plan_list_shows_own_subjects_and_grades(school, login):
    page = login("teacher").get("/plan").get_data(as_text=True)
    assert url(school, 5) in page and url(school, 6) in page
    assert f"/plan/{school.lit.id}/" not in page
    everyone = login("director").get("/plan").get_data(as_text=True)
    assert f"/plan/{school.lit.id}/10?teacher={school.other_staff.id}" in everyone


@pytest.mark.parametrize("name,status", [("mum", 403), ("anna", 403), ("secretary", 403)])
def test_plan_list_refused_to_non_teachers(school, login, name, status):
    assert login(name).get("/plan").status_code == status


@pytest.mark.parametrize("name,read,write", [
    ("teacher", 200, 303), ("ct", 404, 404), ("other", 404, 404), ("mum", 404, 404),
    ("anna", 404, 404), ("secretary", 404, 404),
])
def test_only_the_teacher_edits_their_plan(school, login, name, read, write):
    client = login(name)
    teacher = f"?teacher={school.t_staff.id}"
    assert client.get(url(school) + teacher).status_code == read
    response = client.post(url(school, suffix="/items") + teacher,
                           data={"number": 1, "topic": "Тема", "hours": 1})
    assert response.status_code == write


@pytest.mark.parametrize("name", ["admin", "director", "deputy", "deputy1"])
def test_leadership_reads_any_plan_but_does_not_write(school, login, name):
    client = login(name)
    teacher = f"?teacher={school.t_staff.id}"
    assert client.get(url(school) + teacher).status_code == 200
    assert client.post(url(school, suffix="/items") + teacher,
                       data={"number": 1, "topic": "Тема", "hours": 1}).status_code == 403


def test_plan_of_a_grade_not_taught_is_404(school, login):
    assert login("teacher").get(url(school, 7)).status_code == 404


def test_add_item_validation(school, login):
    client = login("teacher")
    bad = client.post(url(school, suffix="/items"), data={"number": 1, "topic": "я" * 301,
                                                          "hours": 1})
    assert status(bad) == 422
    assert str(escape(ru("The topic is too long: %(now)d characters, at most %(max)d.",
                         max=300, now=301))) in bad.get_data(as_text=True)
    assert client.post(url(school, suffix="/items"),
                       data={"number": 1, "topic": "я" * 300, "hours": 1}).status_code == 303
    assert status(client.post(url(school, suffix="/items"),
                       data={"number": 2, "topic": "Тема", "hours": 51})) == 422
    assert len(topics(school)) == 1


def test_edit_and_delete_over_http(school, login):
    client = login("teacher")
    for n in (1, 2):
        client.post(url(school, suffix="/items"), data={"number": n, "topic": f"Т{n}", "hours": 1})
    second = svc.items_of(key(school))[1]
    client.post(url(school, suffix=f"/items/{second.id}"),
                data={"number": 1, "topic": "Вперёд", "hours": 2})
    assert topics(school) == [(1, "Вперёд", 2), (2, "Т1", 1)]
    client.post(url(school, suffix=f"/items/{second.id}/delete"))
    assert topics(school) == [(1, "Т1", 1)]
    # An item of another plan is unknown here.
    foreign = PlanItem(teacher_id=school.other_staff.id, subject_id=school.lit.id, grade=10,
                       number=1, topic="Чужая")
    db.session.add(foreign)
    db.session.commit()
    assert client.post(url(school, suffix=f"/items/{foreign.id}/delete")).status_code == 404


def upload(client, school, name, data):
    return client.post(url(school, suffix="/import"),
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_csv_and_xlsx_over_http(school, login):
    client = login("teacher")
    response = upload(client, school, "ktp.csv",
                      "1;Числа;2\n2;Дроби;1\n".encode("cp1251"))
    assert response.status_code == 303
    assert topics(school) == [(1, "Числа", 2), (2, "Дроби", 1)]
    response = upload(client, school, "ktp.xlsx", xlsx([(1, "Числа", 3)]))
    assert response.status_code == 303
    assert topics(school) == [(1, "Числа", 3)]


def test_bad_import_changes_nothing(school, login):
    client = login("teacher")
    upload(client, school, "ktp.csv", "1;Числа;2\n".encode())
    response = upload(client, school, "ktp.csv", "1;Новые;1\n2;Ещё;1\n3;;1\n".encode())
    assert status(response) == 422
    body = response.get_data(as_text=True)
    expected = ru("Row %(row)d: ", row=3) + ru("the topic is empty.") + " " + ru(
        "Nothing was imported.")
    assert str(escape(expected)) in body
    assert topics(school) == [(1, "Числа", 2)]
    assert status(upload(client, school, "x.csv", b"")) == 422  # no file chosen


def test_plan_page_shows_where_topics_were_taught(school, login):
    item = PlanItem(teacher_id=school.t_staff.id, subject_id=school.maths.id, grade=5, number=1,
                    topic="Дроби")
    db.session.add(item)
    db.session.flush()
    db.session.add(Lesson(page_id=school.maths5.id, date=dt.date(2026, 11, 23),
                          plan_item_id=item.id))
    db.session.commit()
    page = login("teacher").get(url(school)).get_data(as_text=True)
    with force_locale("ru"):
        one_lesson = ngettext("%(num)d lesson", "%(num)d lessons", 1)
    assert "Дроби" in page and str(escape(f"5 «А» · {one_lesson}")) in page


def test_plan_policy_rules(school):
    from models import User
    from services import policy

    def who(rule) -> set[str]:
        names = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
                 "mum", "anna")
        return {n for n in names if rule(
            db.session.scalar(db.select(User).where(User.username == n)), school.t_staff)}

    assert who(policy.can_write_plan) == {"teacher"}
    assert who(policy.can_read_plan) == {"teacher", "admin", "director", "deputy", "deputy1"}
