"""The deputy's control dashboard (report "control"): figures checked by hand on a small
school, each figure's link leads to the very lessons or pupils behind it, a deputy of one
level sees only that level, and the whole school costs a fixed number of queries."""
from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import Enrolment, FinalMark, Mark, PlanItem
from models.audit import AuditEvent
from tests.sql import count_queries
from tests.test_journal_http import ru

UTC = dt.UTC


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


@pytest.fixture
def ctl(school):
    """maths5 in quarter 2 (to 23.11): three lessons held — L1 filled on the day, L2 without
    homework whose topic the audit trail shows entered two days late, L3 without a topic —
    plus a cancelled and a future lesson. Pupils: Анна 0 marks, Вера 1, Дина 3; Лена left
    on 10.11 (not counted). The plan: 3 topics of the page teacher, all covered by now
    (one in quarter 1). Quarter 1: Анна and Вера have period marks, Дина and Лена not."""
    b, s = school.builder, school
    dina = b.pupil(s.c5, "Дмитриева", "Дина")
    lena = b.pupil(s.c5, "Ленина", "Лена")
    db.session.execute(db.update(Enrolment).where(Enrolment.pupil_id == lena.id)
                       .values(end_date=dt.date(2026, 11, 10)))
    items = [b._add(PlanItem(teacher_id=s.t_staff.id, subject_id=s.maths.id, grade=5,
                             number=n, topic=f"Тема {n}")) for n in (1, 2, 3)]
    b._add(PlanItem(teacher_id=s.other_staff.id, subject_id=s.maths.id, grade=5, number=1,
                    topic="Чужая тема"))
    day1, day2, day3 = dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 20)
    l1 = b.lesson(s.maths5, day1, topic="Дроби", homework="№ 1", plan_item_id=items[0].id,
                  updated_at=_at(day1, 10))
    l2 = b.lesson(s.maths5, day2, topic="Проценты", homework="", plan_item_id=items[1].id,
                  updated_at=_at(day2, 10))
    l3 = b.lesson(s.maths5, day3, topic="", homework="№ 3", updated_at=_at(day3, 10))
    b.lesson(s.maths5, dt.date(2026, 11, 19), topic="", cancelled=True)
    b.lesson(s.maths5, dt.date(2026, 11, 30), topic="")
    l0 = b.lesson(s.maths5, dt.date(2026, 10, 5), topic="Повторение", homework="№ 0",
             plan_item_id=items[2].id, updated_at=_at(dt.date(2026, 10, 5), 10))
    b._add(AuditEvent(at=_at(day2 + dt.timedelta(days=2), 9), action="lesson.update",
                      object_type="lesson", object_id=l2.id, new='{"topic": "Проценты"}'))
    lesson_work = b.work_types["lesson"].id
    marks = [(l1, s.vera), (l1, dina), (l2, dina), (l3, dina), (l1, lena)]
    for lesson, pupil in marks:
        b._add(Mark(lesson_id=lesson.id, pupil_id=pupil.id, value=4, work_type_id=lesson_work))
    q1 = b.periods[0]
    b._add(FinalMark(page_id=s.maths5.id, pupil_id=s.anna.id, period_id=q1.id, value=5))
    b._add(FinalMark(page_id=s.maths5.id, pupil_id=s.vera.id, period_id=q1.id, special="na"))
    db.session.commit()
    return SimpleNamespace(l0=l0, l1=l1, l2=l2, l3=l3, dina=dina, lena=lena, q1=q1, q2=b.periods[1])


def _row(html: str, label: str) -> list[str]:
    """The cells of the dashboard row whose subject cell reads label (tags stripped)."""
    for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if len(cells) > 2 and cells[2] == label:
            return cells
    raise AssertionError(label)


def _gap_url(html: str, page_id: int, kind: str) -> str:
    found = [u for u in re.findall(r'href="(/reports/control/gaps\?[^"]*)"',
                                   html.replace("&amp;", "&"))
             if f"page={page_id}&" in u + "&" and f"kind={kind}&" in u + "&"]
    assert found, kind
    return found[0]


def test_figures_by_hand(login, school, ctl):
    client = login("deputy")
    html = client.get(f"/reports/control?period={ctl.q2.id}").text
    cells = _row(html, "Математика")
    # teacher, class, subject, held, on the day, no topic, no homework, pupils, no marks,
    # one mark, marks per pupil, period marks missing (not due yet), plan, covered
    assert cells[0].startswith("Предметникова") and cells[1] == "5 «А»"
    assert cells[3:] == ["3", "33,3", "1", "1", "3", "1", "1", "1,3", "", "3", "3"]
    foot = html[html.index("<tfoot>"):html.index("</tfoot>")]
    totals = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", foot)]
    assert totals[3:] == ["3", "33,3", "1", "1", "", "1", "1", "1,3", "", "3", "3"]
    q1 = _row(client.get(f"/reports/control?period={ctl.q1.id}").text, "Математика")
    assert q1[3] == "1" and q1[11] == "2"  # Дина and Лена have no quarter 1 mark


def test_links_lead_to_the_lessons_and_pupils(login, school, ctl):
    client = login("deputy")
    html = client.get(f"/reports/control?period={ctl.q2.id}").text
    page = school.maths5.id
    expect = {"no_topic": [ctl.l3], "late": [ctl.l2, ctl.l3], "no_homework": [ctl.l2],
              "plan": [ctl.l0, ctl.l1, ctl.l2]}  # the plan counts from the year's start
    for kind, lessons in expect.items():
        body = client.get(_gap_url(html, page, kind)).text
        found = [int(x) for x in re.findall(r'href="/lessons/(\d+)"', body)]
        assert found == [x.id for x in lessons], kind
    pupils = {"no_marks": ["Антонова А."], "one_mark": ["Васильева В."],
              "marks": ["Антонова А.", "Васильева В.", "Дмитриева Д."]}
    for kind, names in pupils.items():
        body = client.get(_gap_url(html, page, kind)).text
        found = re.findall(rf'href="/journal/pages/{page}[^"]*">([^<]+)</a>', body)
        assert found == names, kind
    q1 = client.get(f"/reports/control?period={ctl.q1.id}").text
    body = client.get(_gap_url(q1, page, "no_period_mark")).text
    assert re.findall(rf'href="/journal/pages/{page}\?period={ctl.q1.id}">([^<]+)</a>',
                      body) == ["Дмитриева Д.", "Ленина Л."]


def test_a_level_deputy_and_others(login, school, ctl):
    client = login("deputy1")
    html = client.get(f"/reports/control?period={ctl.q2.id}").text
    assert "5 «А»" not in html[html.index('id="report-sheets"'):]
    gap = f"/reports/control/gaps?page={school.maths5.id}&kind=no_topic&period={ctl.q2.id}"
    assert client.get(gap).status_code == 404
    for user in ("teacher", "ct", "mum", "anna"):
        client = login(user)
        assert client.get("/reports/control").status_code == 403, user
        assert client.get(gap).status_code == 403, user
    client = login("deputy")
    for bad in ("kind=nope", "page=x&kind=late", "page=999999&kind=late"):
        assert client.get(f"/reports/control/gaps?{bad}").status_code == 404, bad


def test_printed_landscape_in_kazakh(login, school, ctl):
    client = login("deputy")
    client.post("/language/kk")
    data = client.get(f"/reports/control.pdf?period={ctl.q2.id}").data
    pdf = PdfReader(io.BytesIO(data))
    box = pdf.pages[0].mediabox
    assert box.width > box.height
    text = pdf.pages[0].extract_text()
    assert "Әдебиет" in text and "Предметникова" in text and "33,3" in text
    book = load_workbook(io.BytesIO(client.get(f"/reports/control.xlsx?period={ctl.q2.id}").data))
    ws = book.worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "5 «А»"
               and r[3] == 3)
    assert row[4] == pytest.approx(1 / 3, abs=0.001) and row[5] == 1 and row[10] == 1.3


def _grow(school, n: int) -> None:
    """n more classes, each with a page, pupils, lessons, marks and a subgroup page."""
    b = school.builder
    for k in range(n):
        c = b.school_class(7 + k % 3, "ВГДЕЖ"[k // 3])
        page = b.page(c, school.maths, school.other_staff)
        pupils = [b.pupil(c, "Ученик", f"N{k}{i}") for i in range(4)]
        for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 17)):
            lesson = b.lesson(page, day, topic="Тема")
            b._add(Mark(lesson_id=lesson.id, pupil_id=pupils[0].id, value=5,
                        work_type_id=b.work_types["lesson"].id))
    db.session.commit()


def test_a_fixed_number_of_queries(login, school, ctl):
    client = login("deputy")
    urls = [f"/reports/control?period={p}" for p in (ctl.q2.id, ctl.q1.id, "all")]
    client.get(urls[0])

    def counts() -> list[int]:
        out = []
        for url in urls:
            with count_queries() as seen:
                assert client.get(url).status_code == 200
            out.append(len(seen))
        return out
    small = counts()
    _grow(school, 6)
    assert counts() == small


def test_a_period_without_lessons_and_a_first_grade(login, school, ctl):
    client = login("deputy")
    client.post("/language/en")
    q3 = school.builder.periods[2]
    assert ru("No lessons were held in this period yet.") in client.get(
        f"/reports/control?period={q3.id}").text
    b = school.builder
    c1 = b.school_class(1, "А")
    b.pupil(c1, "Первая", "Ира")
    page = b.page(c1, school.lit, school.ct_staff)
    b.lesson(page, dt.date(2026, 11, 18), topic="Буквы", homework="")
    db.session.commit()
    html = client.get(f"/reports/control?period={ctl.q2.id}&class={c1.id}").text
    cells = _row(html, "Литература")
    # entered now, so late; no homework and no marks are asked in grade 1
    assert cells[3:11] == ["1", "0,0", "0", "", "1", "", "", ""]
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", client.get(
        f"/reports/control?period={ctl.q2.id}").text, re.S) if "6 «Б»" in r]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                     rows[0], re.S)]
    assert cells[3] == "0" and cells[8:11] == ["", "", ""]  # no lessons: no marks asked


def test_the_week_by_teacher(login, school, ctl, monkeypatch):
    """On Wednesday 25.11: Monday's lesson filled on the day, Tuesday's never (late),
    today's not yet (not late: its day is not over)."""
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2026, 11, 25))
    b = school.builder
    mon = b.lesson(school.maths6, dt.date(2026, 11, 23), topic="Углы",
                   updated_at=_at(dt.date(2026, 11, 23), 8))
    tue = b.lesson(school.maths5, dt.date(2026, 11, 24), topic="")
    wed = b.lesson(school.maths5, dt.date(2026, 11, 25), topic="")
    db.session.commit()
    client = login("deputy")
    html = client.get("/reports/control").text
    week = html[html.index("id=\"sheet-2\""):]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", week, re.S) if "Предметникова" in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[1:] == ["3", "66,7", "2", "3"]
    urls = re.findall(r'href="(/reports/control/gaps\?[^"]*)"', row.replace("&amp;", "&"))
    found = {}
    for url in urls:
        kind = re.search(r"kind=(\w+)", url).group(1)
        found[kind] = [int(x) for x in re.findall(r'href="/lessons/(\d+)"', client.get(url).text)]
    assert found == {"late": [tue.id], "no_topic": [tue.id, wed.id],
                     "no_homework": [mon.id, tue.id, wed.id]}
    assert client.get(urls[0].replace("week=2026-11-23", "week=2026-11-16")).status_code == 404
    assert login("deputy1").get(urls[0]).status_code == 404  # none of its pages in her level
