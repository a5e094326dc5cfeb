"""The declarative reference-data grid: list, add, edit in place, delete, settings."""
from __future__ import annotations

import pytest

from extensions import db
from models import Bell, School, Subject, WorkType


@pytest.mark.parametrize("username", ["director", "teacher", "mum", "anna", "secretary"])
def test_only_the_administrator_may_edit(school, login, username):
    client = login(username)
    assert client.get("/admin/").status_code == 403
    assert client.post("/admin/subjects/new", data={"code": "x", "name_ru": "x",
                                                   "name_kk": "x"}).status_code == 403
    assert db.session.scalar(db.select(Subject).where(Subject.code == "x")) is None


@pytest.mark.parametrize("key", ["subjects", "work-types", "bells", "classes"])
def test_every_table_lists(school, login, key):
    response = login("admin").get(f"/admin/{key}")
    assert response.status_code == 200


def test_add_a_subject_and_refuse_a_duplicate_code(school, login):
    client = login("admin")
    ok = client.post("/admin/subjects/new", data={"code": "chem", "name_ru": "Химия",
                                                 "name_kk": "Химия"})
    assert ok.status_code == 302
    dup = client.post("/admin/subjects/new", data={"code": "chem", "name_ru": "Химия 2",
                                                  "name_kk": "Химия 2"})
    assert dup.status_code == 422
    assert "совпадают с другой строкой" in dup.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Subject)
                             .where(Subject.code == "chem")) == 1


def test_edit_a_work_type_in_place_with_htmx(school, login):
    client = login("admin")
    wt = school.builder.work_types["control"]
    form = client.get(f"/admin/work-types/{wt.id}/edit", headers={"HX-Request": "true"})
    assert form.status_code == 200 and "<form" in form.get_data(as_text=True)
    assert "<html" not in form.get_data(as_text=True)
    data = {"code": "control", "name_ru": "Контрольная работа", "name_kk": "Бақылау жұмысы",
            "weight": "6", "lock_rule": "control", "position": "3"}
    saved = client.post(f"/admin/work-types/{wt.id}", data=data, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "<tr" in saved.get_data(as_text=True)
    assert db.session.get(WorkType, wt.id).weight == 6
    bad = client.post(f"/admin/work-types/{wt.id}", data={**data, "weight": "11"},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.get_data(as_text=True)
    assert db.session.get(WorkType, wt.id).weight == 6


def test_bell_end_before_start_is_refused_by_the_database(school, login):
    client = login("admin")
    response = client.post("/admin/bells/new", data={"number": "1", "starts": "09:00",
                                                    "ends": "08:15"})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Bell)) == 0


def test_a_subject_in_use_cannot_be_deleted(school, login):
    client = login("admin")
    client.post(f"/admin/subjects/{school.maths.id}/delete")
    assert db.session.get(Subject, school.maths.id) is not None
    client.post("/admin/subjects/new", data={"code": "art", "name_ru": "ИЗО",
                                            "name_kk": "Бейнелеу өнері"})
    art = db.session.scalar(db.select(Subject).where(Subject.code == "art"))
    client.post(f"/admin/subjects/{art.id}/delete")
    assert db.session.scalar(db.select(Subject).where(Subject.code == "art")) is None


def test_class_teacher_choice_is_limited_to_teachers(school, login):
    client = login("admin")
    data = {"grade": "7", "letter": "В", "language": "kk", "period_scheme": "quarter",
            "class_teacher_id": str(school.ct_staff.id)}
    assert client.post("/admin/classes/new", data=data).status_code == 302
    bad = client.post("/admin/classes/new", data={**data, "letter": "Г",
                                                  "class_teacher_id": "999999"})
    assert bad.status_code == 422


def test_school_settings(school, login):
    client = login("admin")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    data = {"name": "Школа № 1", "short_name": "Школа № 1", "no_marks_grades": "1,2",
            "lock_days_current": "3", "lock_days_control": "7", "lock_days_essay": "14",
            "lock_days_final": "7", "round_up_from": "0.6", "default_locale": "ru"}
    assert client.post("/admin/settings", data=data).status_code == 302
    settings = db.session.scalar(db.select(School))
    assert (settings.lock_days_current, settings.round_up_from) == (3, 0.6)
    assert settings.allow_mark_one is False
    bad = client.post("/admin/settings", data={**data, "lock_days_current": "-1"})
    assert bad.status_code == 422
    assert db.session.scalar(db.select(School)).lock_days_current == 3
