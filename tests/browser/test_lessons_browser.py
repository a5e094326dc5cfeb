"""A teacher fills a lesson from the plan; a class teacher sets the week's absence reasons."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from extensions import db
from models import Attendance, Lesson, PlanItem
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

MONDAY = dt.date(2026, 11, 23)


@pytest.fixture
def sign_in(page, live_server):
    """Sign in by pressing Enter in the password field (the header has other buttons)."""
    def do(username: str):
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        return page
    return do


@pytest.fixture
def data(browser_app):
    """A plan of three topics (the first already taught) and Анна absent three times."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        items = [PlanItem(teacher_id=ids["t_staff"], subject_id=ids["maths"], grade=5, number=n,
                          topic=t, hours=1)
                 for n, t in enumerate(("Натуральные числа", "Обыкновенные дроби",
                                        "Десятичные дроби"), start=1)]
        db.session.add_all(items)
        db.session.flush()
        done = Lesson(page_id=ids["maths5"], date=MONDAY - dt.timedelta(days=2),
                      lesson_number=1, plan_item_id=items[0].id, topic=items[0].topic)
        lesson = Lesson(page_id=ids["maths5"], date=MONDAY, lesson_number=2)
        lit = Lesson(page_id=ids["lit5"], date=MONDAY, lesson_number=4)
        tuesday = Lesson(page_id=ids["maths5"], date=MONDAY + dt.timedelta(days=1),
                         lesson_number=1)
        db.session.add_all([done, lesson, lit, tuesday])
        db.session.flush()
        db.session.add_all([Attendance(lesson_id=x.id, pupil_id=ids["anna"])
                            for x in (lesson, lit, tuesday)])
        db.session.commit()
        return {"lesson": lesson.id, "class": ids["c5"], "items": [i.id for i in items],
                "anna": ids["anna"]}


def test_teacher_picks_a_plan_topic_and_saves_homework(t, page, live_server, sign_in, data, shot,
                                                       axe_check):
    sign_in("teacher")
    page.goto(f"{live_server}/lessons/{data['lesson']}")
    plan = page.get_by_label(t("Topic from the plan"))
    topic = page.locator("#topic")
    # The plan moved on by itself: topic 1 was taught, topic 2 is offered.
    expect(plan).to_have_value(str(data["items"][1]))
    expect(topic).to_have_value("Обыкновенные дроби")
    plan.select_option(str(data["items"][2]))
    expect(topic).to_have_value("Десятичные дроби")
    page.locator("#homework").fill("№ 101, 102")
    page.get_by_label(t("ICT used in the lesson")).check()
    shot(page, "lesson-panel-filled")
    page.get_by_role("button", name=t("Save the lesson")).click()
    expect(page.get_by_role("status")).to_contain_text(t("The lesson is saved."))
    assert "/lessons/" in page.url  # saved through htmx, no navigation
    axe_check(page)
    page.reload()
    expect(page.locator("#topic")).to_have_value("Десятичные дроби")
    expect(page.locator("#homework")).to_have_value("№ 101, 102")
    expect(page.get_by_label(t("Topic from the plan"))).to_have_value(str(data["items"][2]))
    shot(page, "lesson-panel-saved")


def test_a_long_paste_is_never_cut_and_the_limit_is_said_before_saving(t, page, live_server,
                                                                        sign_in, data, shot):
    sign_in("teacher")
    page.goto(f"{live_server}/lessons/{data['lesson']}")
    homework = page.locator("#homework")
    expect(page.locator("#homework-hint")).to_contain_text(
        t("At most %(max)d characters.", max=2000))
    homework.fill("я" * 10_000)  # a paste: the browser keeps every character
    expect(homework).to_have_value("я" * 10_000)
    expect(page.locator("#homework-hint .char-count")).to_have_text(t(
        "Too long: %(n)s characters, at most %(max)s. Shorten it before saving.")
        % {"n": "10000", "max": "2000"})
    shot(page, "lesson-homework-too-long")
    page.get_by_role("button", name=t("Save the lesson")).click()
    expect(page.locator(".field-error")).to_contain_text(t(
        "The homework is too long: %(now)d characters, at most %(max)d.", now=10_000,
        max=2000))
    expect(page.locator("#homework")).to_have_value("я" * 10_000)  # nothing typed is lost
    page.reload()
    expect(page.locator("#homework")).to_have_value("")  # and nothing was saved


def test_homework_keeps_its_lines_and_links_and_is_due_at_the_next_lesson(
        t, page, live_server, sign_in, data):
    sign_in("teacher")
    page.goto(f"{live_server}/lessons/{data['lesson']}")
    page.locator("#homework").fill("№ 101\nВидео: https://example.org/v?id=1.")
    page.get_by_role("button", name=t("Save the lesson")).click()
    expect(page.get_by_role("status")).to_contain_text(t("The lesson is saved."))
    page.context.clear_cookies()
    sign_in("mum")
    page.goto(f"{live_server}/diary/{data['anna']}/homework")
    item = page.locator(".homework-text", has_text="№ 101")
    expect(item).to_be_visible()
    link = item.get_by_role("link")
    expect(link).to_have_attribute("href", "https://example.org/v?id=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    assert "\n" in item.inner_text()  # the teacher's line break is kept
    # due on Tuesday, the page's next lesson: the heading of its day says so
    expect(page.locator("section.day", has=item).locator("h3")).to_contain_text("24")


def settled(page) -> None:
    """Wait until htmx has finished swapping and processing the new row."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
           ).to_have_count(0)


def test_class_teacher_sets_reasons_for_a_week(t, page, live_server, sign_in, data, shot,
                                               axe_check):
    sign_in("ct")
    page.get_by_role("link", name=t("absences of the week")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("5 «А»")
    row = page.locator("tr", has_text="Антонова")
    expect(row.locator(".sum-unset")).to_contain_text("3")
    # One reason for the whole Monday (two absences), in one choice.
    page.get_by_label(t("Whole day") + " · Антонова А., понедельник 23 ноября").select_option("illness")
    expect(row.locator(".sum-excused")).to_contain_text("2")
    # One absence on Tuesday, on its own.
    settled(page)
    tuesday = row.locator("td").nth(1).locator("select")
    tuesday.select_option("unexcused")
    expect(row.locator(".sum-unexcused")).to_contain_text("1")
    expect(row.locator(".sum-unset")).to_contain_text("0")
    shot(page, "absence-week", full_page=True)
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "absence-week-desktop", full_page=True)
    page.reload()
    expect(page.locator("tr", has_text="Антонова").locator(".sum-excused")).to_contain_text("2")
    # The week links are real URLs, boosted by htmx.
    page.get_by_role("link", name=t("Next week")).click()
    expect(page).to_have_url(f"{live_server}/classes/{data['class']}/attendance?week=2026-11-30")
    expect(page.locator("tr", has_text="Антонова")).to_contain_text(t("no absences"))


def test_teacher_imports_a_plan_file(t, page, live_server, sign_in, data, shot, axe_check):
    sign_in("teacher")
    page.get_by_role("link", name=t("Thematic plans")).click()
    page.get_by_role("link", name="Математика, " + t("grade %(g)d", g=5)).click()
    expect(page.locator(".plan-item")).to_have_count(3)
    csv = "№;Тема;Часы\n1;Натуральные числа;2\n2;Дроби;3\n3;;1\n".encode("cp1251")
    page.get_by_label(t("CSV or XLSX file")).set_input_files(
        files=[{"name": "ktp.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name=t("Import")).click()
    expect(page.locator(".field-error")).to_contain_text(t("Row %(row)d: ", row=4).strip())
    expect(page.locator(".plan-item")).to_have_count(3)  # nothing imported
    page.get_by_label(t("CSV or XLSX file")).set_input_files(
        files=[{"name": "ktp.csv", "mimeType": "text/csv", "buffer": csv.replace(b"3;;1", b"")}])
    page.get_by_role("button", name=t("Import")).click()
    expect(page.locator(".plan-item")).to_have_count(2)
    expect(page.locator(".plan-item").first).to_contain_text("5 «А» · " + t("%(num)d lesson", "%(num)d lessons", 1))
    page.locator(".plan-edit summary").first.click()
    shot(page, "plan")
    axe_check(page)
