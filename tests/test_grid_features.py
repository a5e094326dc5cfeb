"""What every grid of the back office does without per-table code (issue 15): search that
folds Cyrillic and Kazakh letters, filters kept in the URL, sort, pages in a fixed number of
queries, export to XLSX and CSV, a generic import with a preview that a second run leaves
unchanged, the history of a row with old and new values, bulk actions, and who may do what."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from extensions import db
from models import Person, Pupil, Subject
from tests.fragments import status
from tests.sql import count_queries as statements


def rows_of(response) -> int:
    return len(re.findall(r'<tr id="row-\d+"', response.text))


def first_cells(response) -> list[str]:
    """The first column of the grid's rows (the card links), in order."""
    return re.findall(r'<td><a href="/people/(?:pupils|staff)/\d+">([^<]*)', response.text)




@pytest.fixture
def many(school):
    """60 more pupils in 5 «А» (two pages), a Kazakh name among them."""
    for n in range(59):
        school.builder.pupil(school.c5, f"Петров{n:02d}", "Пётр")
    school.builder.pupil(school.c5, "Әбілқайыр", "Өмірзақ")
    db.session.commit()
    return school


@pytest.mark.parametrize("typed", ["ӘБІЛҚАЙЫР", "әбіл", "ӨМІР"])
def test_search_folds_kazakh_and_cyrillic_letters(many, login, typed):
    page = login("admin").get("/admin/pupils", query_string={"q": typed})
    assert rows_of(page) == 1 and "Әбілқайыр" in page.text


def test_search_words_narrow_each_other(many, login):
    client = login("admin")
    assert rows_of(client.get("/admin/pupils?q=АНТОНОВ")) == 2  # Анна and Борис
    assert rows_of(client.get("/admin/pupils?q=антонов+борис")) == 1
    assert rows_of(client.get("/admin/pupils?q=%25")) == 0  # a wildcard is a letter here


def test_filters_live_in_the_url_and_combine_with_the_search(many, login):
    client = login("admin")
    c6 = client.get(f"/admin/pupils?f_class_id={many.c6.id}")
    assert rows_of(c6) == 1 and "Антонов" in c6.text
    boys = client.get(f"/admin/pupils?f_class_id={many.c5.id}&f_sex=m&q=петров")
    assert rows_of(boys) == 0  # the builder's pupils are girls
    girls = client.get(f"/admin/pupils?f_class_id={many.c5.id}&f_sex=f&q=петров01")
    assert rows_of(girls) == 1
    # the page's links (sort, next page, export) keep the filter
    assert f"f_class_id={many.c5.id}" in client.get(
        f"/admin/pupils?f_class_id={many.c5.id}").text.split("export.xlsx")[1][:200]


def test_an_unknown_filter_value_finds_nothing_and_is_no_error(many, login):
    client = login("admin")
    assert rows_of(client.get("/admin/pupils?f_class_id=999999")) == 0
    assert client.get("/admin/pupils?f_enrolled_on_from=not-a-date").status_code == 200
    assert client.get("/admin/pupils?sort=nonsense&page=-4").status_code == 200


def test_sort_by_any_column_both_ways(many, login):
    client = login("admin")
    up = first_cells(client.get("/admin/pupils?sort=last_name"))
    down = first_cells(client.get("/admin/pupils?sort=-last_name"))
    assert up[:4] == ["Антонов", "Антонова", "Васильева", "Петров00"]
    assert down[0] == "Әбілқайыр" and "Антонов" not in down  # on the last page
    by_class = first_cells(client.get("/admin/pupils?sort=-class_id"))
    assert by_class[0] == "Старшая"  # 10 «А» first, then 6 «Б», then 5 «А»


def test_pages_cost_the_same_queries_whatever_the_page(many, login):
    client = login("admin")
    client.get("/admin/pupils")  # warm the caches (settings, the user)
    counts = []
    for query in ("", "?page=2", "?q=петров&f_sex=f&page=2", "?sort=-class_id&page=3"):
        with statements() as seen:
            assert client.get("/admin/pupils" + query).status_code == 200
        counts.append(len(seen))
    assert len(set(counts)) == 1, counts
    first, second = client.get("/admin/pupils"), client.get("/admin/pupils?page=2")
    assert rows_of(first) > 0 and rows_of(second) > 0
    assert set(re.findall(r'id="row-(\d+)"', first.text)).isdisjoint(
        re.findall(r'id="row-(\d+)"', second.text))


def test_export_xlsx_and_csv_hold_every_matching_row(many, login):
    client = login("admin")
    xlsx = client.get(f"/admin/pupils/export.xlsx?f_class_id={many.c5.id}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Фамилия" and len(rows) == 1 + 62  # Анна, Вера and 60 more
    assert any(r[0] == "Әбілқайыр" for r in rows)
    text = client.get("/admin/pupils/export.csv?q=антонов").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(table) == 3 and {r[0] for r in table[1:]} == {"Антонова", "Антонов"}


def test_a_class_teacher_exports_only_their_class(many, login):
    text = login("ct").get("/admin/pupils/export.csv").data.decode("utf-8-sig")
    assert "Антонов;" not in text and "Антонова" in text  # Борис is in 6 «Б»


def _upload(client, key: str, name: str, body: str):
    return client.post(f"/admin/{key}/import", data={"file": (io.BytesIO(body.encode()), name)},
                       content_type="multipart/form-data")


def _apply(client, key: str, preview):
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    return client.post(f"/admin/{key}/import/apply", data={"token": token})


def _subject_header(client) -> str:
    """The first line of the subjects' own export: an import reads what the export writes."""
    return client.get("/admin/subjects/export.csv").data.decode("utf-8-sig").splitlines()[0]


def test_a_generic_import_previews_writes_once_and_then_changes_nothing(school, login):
    client = login("admin")
    header = _subject_header(client)
    assert header.startswith("Код;")
    row = {"Код": "chem", "Название на русском": "Химия", "Название на казахском": "Химия"}
    maths = {**row, "Код": "maths", "Название на русском": "Математика углублённая",
             "Название на казахском": "Математика"}
    body = "\n".join([header] + [";".join(r.get(h, "") for h in header.split(";"))
                                 for r in (row, maths)]) + "\n"
    before = db.session.scalar(select(func.count()).select_from(Subject))
    preview = _upload(client, "subjects", "subjects.csv", body)
    assert "Новых: 1" in preview.text and "изменённых: 1" in preview.text
    assert db.session.scalar(select(func.count()).select_from(Subject)) == before
    assert _apply(client, "subjects", preview).status_code == 303
    assert db.session.scalar(select(Subject.name_ru).where(Subject.code == "maths")) \
        == "Математика углублённая"
    again = _upload(client, "subjects", "subjects.csv", body)
    assert "Новых: 0 · изменённых: 0 · без изменений: 2" in again.text


def test_an_import_with_a_bad_row_names_it_and_writes_nothing(school, login):
    client = login("admin")
    header = _subject_header(client)
    body = header + "\n" + "\n".join(";".join(cells + [""] * (header.count(";") - 2))
                                      for cells in (["chem", "Химия", "Химия"],
                                                    ["bio", "", "Биология"])) + "\n"
    preview = _upload(client, "subjects", "subjects.csv", body)
    assert status(preview) == 422 and 'name="token"' not in preview.text
    assert re.search(r"<td>3</td>\s*<td>отклонена", preview.text)
    assert db.session.scalar(select(Subject).where(Subject.code == "chem")) is None


def test_an_expired_or_foreign_preview_writes_nothing(school, login):
    admin = login("admin")
    header = _subject_header(admin)
    preview = _upload(admin, "subjects", "s.csv", header + "\nchem;Химия;Химия"
                      + ";" * (header.count(";") - 2) + "\n")
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    other = login("secretary")
    assert other.post("/admin/subjects/import/apply", data={"token": token}).status_code == 404
    assert db.session.scalar(select(Subject).where(Subject.code == "chem")) is None


def test_the_history_of_a_row_names_the_field_old_and_new_values(school, login):
    client = login("admin")
    data = {"last_name": "Антонова", "first_name": "Анна", "patronymic": "",
            "birth_date": "", "sex": "f", "phone": "+7 701 000 00 00"}
    saved = client.post(f"/admin/pupils/{school.anna.id}", data=data)
    assert saved.status_code in (302, 303)
    drawer = client.get(f"/admin/pupils/{school.anna.id}/history")
    assert "Телефон" in drawer.text and "+7 701 000 00 00" in drawer.text
    assert "Админова" in drawer.text  # who


def test_a_bulk_move_moves_only_rows_the_user_may_see(many, login):
    client = login("secretary")
    ids = [many.anna.id, many.vera.id]
    answer = client.post("/admin/pupils/bulk", data={"action": "move", "ids": ids,
                                                     "value": many.c10.id})
    assert answer.status_code == 303
    assert {db.session.get(Pupil, i).class_id for i in ids} == {many.c10.id}
    refused = login("ct").post("/admin/pupils/bulk", data={"action": "move",
                                                           "ids": [many.boris.id],
                                                           "value": many.c5.id})
    assert refused.status_code == 404  # the class teacher has no bulk move
    assert db.session.get(Pupil, many.boris.id).class_id == many.c6.id


@pytest.mark.parametrize(("who", "url", "code"), [
    ("teacher", "/admin/pupils", 404), ("mum", "/admin/pupils", 404),
    ("ct", "/admin/pupils", 200), ("ct", "/admin/pupils/import", 403),
    ("ct", "/admin/staff", 404), ("director", "/admin/pupils/import", 403),
    ("director", "/admin/pupils/export.csv", 200), ("secretary", "/admin/sign-ins", 404),
    ("admin", "/admin/sign-ins", 200), ("deputy", "/admin/parents", 200),
])
def test_who_may_list_import_and_export(school, login, who, url, code):
    assert login(who).get(url).status_code == code


def test_a_class_teacher_reaches_no_card_of_another_class_through_the_grid(school, login):
    client = login("ct")
    assert client.get(f"/admin/pupils/{school.boris.id}/edit").status_code == 404
    assert client.get(f"/admin/pupils/{school.boris.id}/history").status_code == 404
    data = {"last_name": "Взлом", "first_name": "Борис", "sex": "m"}
    assert client.post(f"/admin/pupils/{school.boris.id}", data=data).status_code == 404
    assert db.session.get(Person, school.boris.person_id).last_name == "Антонов"
