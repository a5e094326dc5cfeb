"""Importing a secretary's class list with parents (issue 15): XLSX and CSV in UTF-8 and
cp1251, a preview that names every refused row, all or nothing, and a second import that
changes nothing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Enrolment, Guardian, Person, Pupil
from tests.fragments import status

DATA = Path(__file__).parent / "data"


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Pupil, Guardian, Person))


def upload(client, name: str):
    with (DATA / name).open("rb") as f:
        return client.post("/admin/pupils/import", data={"file": (f, name)},
                           content_type="multipart/form-data")


def apply(client, preview):
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    return client.post("/admin/pupils/import/apply", data={"token": token})


@pytest.fixture
def third_grade(school):
    school.builder.school_class(3, "А")
    db.session.commit()


@pytest.mark.parametrize("name", ["class_list.xlsx", "class_list_utf8.csv"])
def test_a_class_list_is_previewed_then_imported_once(school, third_grade, login, name):
    client = login("secretary")
    before = counts()
    preview = upload(client, name)
    assert preview.status_code == 200 and 'name="token"' in preview.text
    assert counts() == before  # the preview writes nothing
    assert apply(client, preview).status_code == 303
    pupils = {p.person.full_name: p for p in db.session.scalars(select(Pupil))}
    aliya = pupils["Ахметова Әлия Серикқызы"]
    nurlan = pupils["Ахметов Нурлан Серикулы"]
    assert aliya.school_class.name == "5 «А»" and nurlan.school_class.name == "3 «А»"
    # the mother of two is one person linked to both children (found by name and phone)
    mothers = db.session.scalars(select(Guardian).join(Person, Person.id == Guardian.person_id)
                                 .where(Person.last_name == "Ахметова",
                                        Person.first_name == "Гульнара")).all()
    assert {g.pupil_id for g in mothers} == {aliya.id, nurlan.id}
    assert len({g.person_id for g in mothers}) == 1
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.pupil_id == aliya.id))
    assert enrolment.order_no == "№ 45-у"
    after_first = counts()
    # a second import of the same file: every row unchanged, nothing written
    again = upload(client, name)
    assert "X-Refused-Status" not in again.headers
    assert re.search(r"(?:unchanged|без изменений|өзгеріссіз)\D*4", again.text, re.I) or \
        again.text.count('class="is-same"') == 4
    apply(client, again)
    assert counts() == after_first


def test_a_cp1251_csv_from_excel(school, login):
    client = login("secretary")
    preview = upload(client, "class_list_cp1251.csv")
    assert preview.text.count('class="is-create"') == 2
    apply(client, preview)
    names = set(db.session.scalars(select(Person.last_name)))
    assert {"Смирнова", "Ким", "Смирнов"} <= names


def test_a_half_valid_file_writes_nothing_and_names_the_bad_row(school, third_grade, login):
    client = login("secretary")
    before = counts()
    preview = upload(client, "class_list_bad_row.xlsx")
    assert status(preview) == 422 and 'name="token"' not in preview.text
    refused = re.findall(r'<tr class="is-refused"><td>(\d+)</td>', preview.text)
    assert refused == ["5"]  # the fifth line of the sheet: 31 February
    assert "31.02.2015" in preview.text
    assert counts() == before
    # no token: a forged confirmation writes nothing either
    assert client.post("/admin/pupils/import/apply", data={"token": "x" * 20}).status_code == 303
    assert counts() == before


def test_only_the_office_imports(school, login):
    for name, code in (("teacher", 404), ("ct", 403), ("mum", 404)):
        assert upload(login(name), "class_list.xlsx").status_code == code
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "pupil.import")) == 0


def test_a_file_that_is_not_a_table_is_a_clear_refusal(school, login):
    client = login("secretary")
    response = client.post("/admin/pupils/import", data={
        "file": (__import__("io").BytesIO(b"\x00\x01\x02binary"), "photo.jpg")},
        content_type="multipart/form-data")
    assert status(response) == 422 and 'class="form-error"' in response.text


def test_a_cell_longer_than_the_card_holds_refuses_its_row(school, login, tmp_path):
    """Never cut short in silence: the row is refused with the reason, nothing is written."""
    path = tmp_path / "long.csv"
    path.write_text("Фамилия;Имя;Пол;Класс;Адрес\n"
                    f"Петрова;Мария;ж;5 А;{'ул. Длинная, ' * 30}\n", encoding="utf-8")
    client = login("secretary")
    before = counts()
    with path.open("rb") as f:
        preview = client.post("/admin/pupils/import", data={"file": (f, "long.csv")},
                              content_type="multipart/form-data")
    assert "300" in preview.text and 'name="token"' not in preview.text
    assert counts() == before


def test_a_name_alone_never_links_a_row_to_someone_in_the_school(school, login, tmp_path):
    """Two unrelated mothers with one name and no phone are two people; a parent named like
    a member of staff is not that member of staff (a wrong link would open one family's
    diary and health data to another)."""
    path = tmp_path / "names.csv"
    path.write_text("Фамилия;Имя;Пол;Класс;Родитель 1;Кем приходится 1\n"
                    "Петрова;Мария;ж;5 А;Иванова Елена Сергеевна;мать\n"
                    "Сидорова;Ольга;ж;6 Б;Иванова Елена Сергеевна;мать\n"
                    "Козлова;Нина;ж;6 Б;Админова Admin;мать\n", encoding="utf-8")
    client = login("secretary")
    with path.open("rb") as f:
        preview = client.post("/admin/pupils/import", data={"file": (f, "names.csv")},
                              content_type="multipart/form-data")
    assert apply(client, preview).status_code == 303
    mothers = db.session.scalars(select(Guardian.person_id).join(
        Person, Person.id == Guardian.person_id).where(Person.last_name == "Иванова")).all()
    assert len(mothers) == 2 and len(set(mothers)) == 2
    admin_person = school.admin.person_id
    assert db.session.scalar(select(func.count()).select_from(Guardian).where(
        Guardian.person_id == admin_person)) == 0
