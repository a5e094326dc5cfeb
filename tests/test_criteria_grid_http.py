"""The criteria-based journal grid over HTTP (issue 21): ФО on the 10-point scale, works as
columns of points, declaring works under the schedule limits at every entrance, the suggested
mark with the reason for another one, confirming the computed marks, and who may do what."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent, FinalMark, Mark, SummativeWork, WorkPoints
from tests.conftest import TODAY
from tests.factories import criteria_school
from tests.fragments import answer
from tests.fragments import status as status_of
from tests.sql import count_queries

D = dt.date
DAY = dt.timedelta(days=1)
FRIDAY = D(2026, 11, 20)
HX = {"HX-Request": "true"}


@pytest.fixture
def s(app):
    return criteria_school(TODAY)


@pytest.fixture
def work(s):
    w = s.builder.work(s.maths6, "sor", FRIDAY, 15, name="SAU 1")
    db.session.commit()
    return w


def pts(client, work_id, pupil_id, value, old="", htmx=True):
    data = {"pupil": pupil_id, "value": value}
    if old is not None:
        data["old"] = old
    return client.post(f"/journal/works/{work_id}/points", data=data, headers=HX if htmx else {})


def stored(work_id, pupil_id):
    return db.session.scalar(select(WorkPoints.points).where(
        WorkPoints.work_id == work_id, WorkPoints.pupil_id == pupil_id))


def refused(response) -> str | None:
    return response.headers.get("X-Journal-Refused")


# -- the page --------------------------------------------------------------------------------

def test_criteria_page_shows_works_by_date_and_the_results(s, login, work):
    b = s.builder
    before, after = b.lesson(s.maths6, FRIDAY - DAY), b.lesson(s.maths6, TODAY)
    same = b.lesson(s.maths6, FRIDAY)
    db.session.add(WorkPoints(work_id=work.id, pupil_id=s.boris.id, points=12))
    db.session.commit()
    html = login("teacher").get(f"/journal/pages/{s.maths6.id}").text
    order = re.findall(r'<th scope="col"[^>]*? data-(l|k)="(\d+)"', html)
    assert order == [("l", str(before.id)), ("l", str(same.id)), ("k", str(work.id)),
                     ("l", str(after.id))]
    assert 'data-max="15"' in html and 'data-kind="sor"' in html
    assert '<td class="k">12/15</td>' in html
    assert 'data-high="10"' in html and 'data-low="1"' in html
    assert 'class="avg"' not in html and 'class="sg' in html
    assert 'id="jwork-new"' in html and 'id="jconfirm"' in html
    # SAU 80 %, no SAT yet: no suggestion, the part named
    assert 'class="ps" title="80,0000 %"' in html


def test_classic_page_keeps_its_columns(s, login):
    s.builder.lesson(s.maths5, TODAY)
    db.session.commit()
    html = login("teacher").get(f"/journal/pages/{s.maths5.id}").text
    assert 'class="avg"' in html and 'data-high="5"' in html and "jwork-new" not in html


def test_criteria_grid_runs_a_fixed_number_of_queries(s, login):
    b = s.builder
    client = login("teacher")
    url = f"/journal/pages/{s.maths6.id}"
    b.lesson(s.maths6, TODAY)
    b.work(s.maths6, "sor", FRIDAY, 10, points={s.boris: 5})
    db.session.commit()
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    lessons = [b.lesson(s.maths6, D(2026, 11, 5) + k * DAY, number=2) for k in range(8)]
    wt = b.work_types["lesson"].id
    for n in range(12):
        pupil = b.pupil(s.c6, f"Петров{n:02d}", "Пётр")
        db.session.add_all(Mark(lesson_id=lesson.id, pupil_id=pupil.id, value=7,
                                work_type_id=wt) for lesson in lessons)
    for k in range(3):
        b.work(s.maths6, "sor", D(2026, 11, 9) + k * DAY, 20, points={s.boris: 11})
    b.work(s.maths6, "soch", D(2026, 12, 1), 30, points={s.boris: 20})
    db.session.commit()
    with count_queries() as big:
        assert client.get(url).status_code == 200
    assert len(small) == len(big), (len(small), len(big))


# -- points ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "15"])
def test_points_at_the_boundaries_are_saved(s, login, work, value):
    response = pts(login("teacher"), work.id, s.boris.id, value)
    assert response.status_code == 200 and not refused(response)
    got = answer(response.text)
    assert got.main.text == f"{value}/15"
    assert stored(work.id, s.boris.id) == int(value)
    assert f"#p{s.boris.id}>.sg" in got.oob and f"#p{s.boris.id}>.ps" in got.oob


@pytest.mark.parametrize("value", ["16", "-1", "abc", "1.5"])
def test_points_out_of_range_are_refused(s, login, work, value):
    response = pts(login("teacher"), work.id, s.boris.id, value)
    assert refused(response) == "422"
    assert stored(work.id, s.boris.id) is None


def test_stale_points_are_refused(s, login, work):
    db.session.add(WorkPoints(work_id=work.id, pupil_id=s.boris.id, points=3))
    db.session.commit()
    response = pts(login("teacher"), work.id, s.boris.id, "9", old="")
    assert refused(response) == "409" and "3/15" in response.text
    assert stored(work.id, s.boris.id) == 3
    ok = pts(login("teacher"), work.id, s.boris.id, "9", old="3/15")
    assert not refused(ok) and stored(work.id, s.boris.id) == 9


def test_points_past_the_window_are_locked(s, login):
    old = s.builder.work(s.maths6, "sor", D(2026, 11, 5), 10)
    future = s.builder.work(s.maths6, "sor", TODAY + 3 * DAY, 10)
    db.session.commit()
    client = login("teacher")
    assert refused(pts(client, old.id, s.boris.id, "5")) == "403"
    assert refused(pts(client, future.id, s.boris.id, "5")) == "403"
    assert stored(old.id, s.boris.id) is None


def test_points_for_a_pupil_not_on_the_page_are_refused(s, login, work):
    response = pts(login("teacher"), work.id, s.anna.id, "5")
    assert refused(response) == "404" and stored(work.id, s.anna.id) is None


def test_points_refused_to_other_users(s, login, work):
    # the class teacher of 6 «Б» reads the page but does not write on it
    assert pts(login("other"), work.id, s.boris.id, "5").status_code == 403
    assert pts(login("mum"), work.id, s.boris.id, "5").status_code == 404
    assert pts(login("dad2"), work.id, s.boris.id, "5").status_code == 404
    assert login("dad2").get(f"/journal/works/{work.id}").status_code == 404
    assert stored(work.id, s.boris.id) is None


def test_work_page_saves_all_or_nothing(s, login, work):
    pupil = s.builder.pupil(s.c6, "Петров", "Пётр")
    db.session.commit()
    client = login("teacher")
    url = f"/journal/works/{work.id}"
    page = client.get(url)
    assert page.status_code == 200 and f'name="points-{s.boris.id}"' in page.text
    bad = client.post(url, data={f"points-{s.boris.id}": "7", f"old-{s.boris.id}": "",
                                 f"points-{pupil.id}": "16", f"old-{pupil.id}": ""})
    assert status_of(bad) == 422 and stored(work.id, s.boris.id) is None
    good = client.post(url, data={f"points-{s.boris.id}": "7", f"old-{s.boris.id}": "",
                                  f"points-{pupil.id}": "15", f"old-{pupil.id}": ""})
    assert good.status_code == 303
    assert stored(work.id, s.boris.id) == 7 and stored(work.id, pupil.id) == 15
    assert login("other").post(url, data={f"points-{s.boris.id}": "1"}).status_code == 403


# -- ФО on the class's scale -----------------------------------------------------------------

def test_formative_marks_follow_the_class_scale(s, login):
    crit = s.builder.lesson(s.maths6, TODAY)
    classic = s.builder.lesson(s.maths5, TODAY)
    db.session.commit()
    client = login("teacher")

    def cell(lesson, pupil, value):
        return client.post(f"/journal/lessons/{lesson.id}/cell",
                           data={"pupil": pupil.id, "value": value, "old": ""}, headers=HX)
    ten = cell(crit, s.boris, "10")
    assert not refused(ten) and "10" in ten.text and 'class="sg' in ten.text
    assert 'class="avg"' not in ten.text
    assert refused(cell(crit, s.boris, "11")) == "422"
    assert refused(cell(classic, s.anna, "6")) == "422"
    assert 'class="avg"' in cell(classic, s.anna, "5").text


# -- declaring works -------------------------------------------------------------------------

PAGE: list[int] = [0]


def declare(client, htmx=True, **kw):
    """POST the work form of maths in 6 «Б» (PAGE, set by the `declaring` fixture)."""
    data = {"kind": "sor", "name": "SAU 2", "date": FRIDAY.isoformat(), "max_points": "10",
            **kw}
    return client.post(f"/journal/pages/{PAGE[0]}/works/new", data=data,
                       headers=HX if htmx else {})


@pytest.fixture
def declaring(s):
    PAGE[0] = s.maths6.id
    return s


def works_named(name):
    return db.session.scalars(select(SummativeWork).where(SummativeWork.name == name)).all()


@pytest.mark.parametrize("htmx", [True, False])
def test_declare_a_work(declaring, login, htmx):
    client = login("teacher")
    form = client.get(f"/journal/pages/{PAGE[0]}/works/new", headers=HX if htmx else {})
    assert form.status_code == 200 and 'id="jwork-form"' in form.text
    assert ("<html" in form.text) is not htmx  # the panel's fragment, or a page of its own
    response = declare(client, htmx=htmx)
    if htmx:
        assert response.headers.get("HX-Redirect", "").startswith(f"/journal/pages/{PAGE[0]}")
    else:
        assert response.status_code == 303
    assert len(works_named("SAU 2")) == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_schedule_limits_are_refused_at_every_entrance(declaring, login, htmx):
    s = declaring
    b = s.builder
    client = login("teacher")
    day = D(2026, 12, 10)
    # three SATs of other subjects that day
    for i in range(3):
        subject = b.subject(f"subj{i}", f"Предмет {i}", f"Пән {i}")
        b.work(b.page(s.c6, subject, s.t_staff), "soch", day, 20, name=f"SAT{i}")
    # a SAU of this subject on FRIDAY
    b.work(s.maths6, "sor", FRIDAY, 10, name="SAU 1")
    db.session.commit()
    cases = [
        {"kind": "soch", "date": day.isoformat(), "name": "X1"},  # fourth SAT that day
        {"kind": "soch", "date": FRIDAY.isoformat(), "name": "X2"},  # SAU + SAT same day
        {"kind": "soch", "date": D(2026, 12, 28).isoformat(), "name": "X3"},  # last day
        {"kind": "sor", "date": D(2027, 7, 1).isoformat(), "name": "X4"},  # outside
        {"kind": "sor", "max_points": "0", "name": "X5"},
    ]
    for case in cases:
        response = declare(client, htmx=htmx, **case)
        assert status_of(response) == 422, case
        assert 'id="jwork-error"' in response.text
        assert not works_named(case["name"])
    b.work(s.maths6, "soch", D(2026, 12, 2), 20, name="SAT 1")
    db.session.commit()
    response = declare(client, htmx=htmx, kind="soch", date=D(2026, 12, 3).isoformat(),
                       name="X6")  # one SAT per period
    assert status_of(response) == 422 and "SAT 1" in response.text


def test_declare_refused_to_others_and_in_a_classic_class(declaring, login):
    s = declaring
    assert declare(login("other")).status_code == 403
    assert declare(login("mum")).status_code == 404
    assert login("teacher").get(f"/journal/pages/{s.maths5.id}/works/new").status_code == 404


def test_edit_and_remove_a_work(s, login, work):
    client = login("teacher")
    edit = client.post(f"/journal/works/{work.id}/edit",
                       data={"kind": "sor", "name": "SAU 1b", "date": FRIDAY.isoformat(),
                             "max_points": "20"})
    assert edit.status_code == 303
    db.session.refresh(work)
    assert work.name == "SAU 1b" and work.max_points == 20
    pts(client, work.id, s.boris.id, "18")
    lower = client.post(f"/journal/works/{work.id}/edit",
                        data={"kind": "sor", "name": "SAU 1b", "date": FRIDAY.isoformat(),
                              "max_points": "10"}, headers=HX)
    assert status_of(lower) == 422
    assert client.post(f"/journal/works/{work.id}/remove").status_code == 303
    assert works_named("SAU 1b")  # it has points
    pts(client, work.id, s.boris.id, "", old="18/20")
    work_id = work.id
    client.post(f"/journal/works/{work_id}/remove")
    assert not works_named("SAU 1b")
    assert login("other").post(f"/journal/works/{work_id}/remove").status_code == 404


# -- the period mark: the suggestion and the reason ------------------------------------------

@pytest.fixture
def computed(s):
    """Борис: SAU 12/15 (80 %), SAT 18/20 (90 %): 85 % → 5."""
    b = s.builder
    b.work(s.maths6, "sor", FRIDAY, 15, points={s.boris: 12}, name="SAU 1")
    b.work(s.maths6, "soch", D(2026, 11, 19), 20, points={s.boris: 18}, name="SAT 1")
    b.lesson(s.maths6, TODAY)
    db.session.commit()
    return s


def final(client, s, value, period_id, **extra):
    return client.post(f"/journal/pages/{s.maths6.id}/final",
                       data={"pupil": s.boris.id, "kind": "period", "period": period_id,
                             "value": value, "old": "", **extra}, headers=HX)


def period_id(s):
    return next(p.id for p in s.builder.periods if p.start_date <= TODAY <= p.end_date)


def mark_of(s):
    return db.session.scalar(select(FinalMark).where(FinalMark.pupil_id == s.boris.id,
                                                     FinalMark.page_id == s.maths6.id))


def test_grid_shows_the_suggestion_with_its_exact_percentage(computed, login):
    html = login("teacher").get(f"/journal/pages/{computed.maths6.id}").text
    assert 'class="pc" title="85,0000 %"' in html and ">85,0<" in html
    assert re.search(r'<td class="sg" title="[^"]*">5</td>', html)


def test_another_mark_asks_for_a_reason(computed, login):
    s = computed
    client = login("teacher")
    asked = final(client, s, "4", period_id(s))
    assert refused(asked) == "409" and "journal:reason" in asked.headers["HX-Trigger"]
    assert mark_of(s) is None
    too_long = final(client, s, "4", period_id(s), reason="x" * 301)
    assert refused(too_long) == "422" and mark_of(s) is None
    given = final(client, s, "4", period_id(s), reason="Болел, СОЧ писал позже")
    assert not refused(given) and 'title="Болел, СОЧ писал позже"' in given.text
    assert mark_of(s).reason == "Болел, СОЧ писал позже"
    html = client.get(f"/journal/pages/{s.maths6.id}").text
    assert 'title="Болел, СОЧ писал позже"' in html


def test_the_suggested_mark_needs_no_reason(computed, login):
    response = final(login("teacher"), computed, "5", period_id(computed))
    assert not refused(response) and mark_of(computed).value == 5


def test_finals_form_takes_a_reason_per_row(computed, login):
    s = computed
    client = login("teacher")
    url = f"/journal/pages/{s.maths6.id}/finals"
    page = client.get(url)
    assert "5 (85,0 %)" in page.text and f'name="{s.boris.id}-reason"' in page.text
    asked = client.post(url, data={f"period-{s.boris.id}": "4"})
    assert status_of(asked) == 422 and mark_of(s) is None
    done = client.post(url, data={f"period-{s.boris.id}": "4",
                                  f"{s.boris.id}-reason": "Пересдача"})
    assert done.status_code == 303 and mark_of(s).reason == "Пересдача"


def test_confirm_computed_marks(computed, login):
    s = computed
    other = s.builder.pupil(s.c6, "Петров", "Пётр")  # no points: no suggestion
    db.session.commit()
    client = login("teacher")
    url = f"/journal/pages/{s.maths6.id}/confirm"
    assert login("other").post(url, data={"period": period_id(s)}).status_code == 403
    client = login("teacher")
    response = client.post(url, data={"period": period_id(s)})
    assert response.status_code == 303
    assert mark_of(s).value == 5
    assert db.session.scalar(select(FinalMark).where(FinalMark.pupil_id == other.id)) is None
    audits = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "journal.period_mark")).all()
    assert len(audits) == 1


def test_lesson_page_form_follows_the_class_scale(s, login):
    crit = s.builder.lesson(s.maths6, TODAY)
    classic = s.builder.lesson(s.maths5, TODAY)
    db.session.commit()
    client = login("teacher")
    html = client.get(f"/lessons/{crit.id}").text
    assert "<option>10</option>" in html
    assert "<option>10</option>" not in client.get(f"/lessons/{classic.id}").text


def test_half_year_subject_says_the_mark_comes_later(s, login):
    from flask_babel import force_locale

    from blueprints.journal.cells import half_year_text
    b = s.builder
    art = b.page(s.c6, b.subject("art", "ИЗО", "Бейнелеу"), s.t_staff)
    art.hours_per_week = 1
    first = b.periods[0]
    b.lesson(art, D(2026, 10, 1))
    b.work(art, "sor", D(2026, 10, 2), 10, points={s.boris: 9})
    db.session.commit()
    client = login("teacher")
    html = client.get(f"/journal/pages/{art.id}?period={first.id}").text
    with force_locale("ru"):
        note = str(half_year_text())
    assert "½" in html and note.split(":")[0] in html
    assert 'class="pt"' not in html  # one hour a week: no SAT
    response = client.post(f"/journal/pages/{art.id}/final", headers=HX, data={
        "pupil": s.boris.id, "kind": "period", "period": first.id, "value": "5", "old": ""})
    assert refused(response) and mark_of(s) is None


def test_a_missing_part_is_named(s, login, work):
    from flask_babel import force_locale

    from blueprints.journal.cells import missing_text
    db.session.add(WorkPoints(work_id=work.id, pupil_id=s.boris.id, points=12))
    s.builder.lesson(s.maths6, TODAY)
    db.session.commit()
    html = login("teacher").get(f"/journal/pages/{s.maths6.id}").text
    with force_locale("ru"):
        assert f'<td class="sg na" title="{missing_text("soch")}"' in html


def test_saves_on_a_criteria_page_run_a_fixed_number_of_queries(s, login, work):
    b = s.builder
    lesson = b.lesson(s.maths6, TODAY)
    db.session.commit()
    client = login("teacher")

    def both(old_points, old_mark):
        with count_queries() as seen:
            assert not refused(pts(client, work.id, s.boris.id, "9", old=old_points))
            assert not refused(client.post(f"/journal/lessons/{lesson.id}/cell", headers=HX,
                               data={"pupil": s.boris.id, "value": "8", "old": old_mark}))
        return seen
    small = both("", "")
    for n in range(15):
        pupil = b.pupil(s.c6, f"Петров{n:02d}", "Пётр")
        db.session.add(WorkPoints(work_id=work.id, pupil_id=pupil.id, points=3))
    for k in range(3):
        b.work(s.maths6, "sor", D(2026, 11, 9) + k * DAY, 20, points={s.boris: 11})
    pts(client, work.id, s.boris.id, "", old="9/15")
    client.post(f"/journal/lessons/{lesson.id}/cell", headers=HX,
                data={"pupil": s.boris.id, "value": "", "old": "8"})
    db.session.commit()
    big = both("", "")
    assert len(small) == len(big), (len(small), len(big))
