"""News, announcements and the calendar (issue 20): who reads what (the list, the calendar
and an item by URL), the month's days, publishing through the back office's grid with its
rules and rights, and a fixed number of queries for the list."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from extensions import db
from models import User
from models.notices import NEWS_BODY_MAX, NewsItem
from services import news
from services.demo_news import seed_news
from tests.conftest import TODAY
from tests.fragments import status
from tests.sql import count_queries

D = dt.date


def _item(title: str, audience: str = "all", starts: dt.date = TODAY, **kw) -> NewsItem:
    item = NewsItem(title=title, audience=audience, starts_on=starts, **kw)
    db.session.add(item)
    return item


@pytest.fixture
def items(school):
    """One item for each audience of the tiny school, all on TODAY."""
    made = {
        "all": _item("Для всех"),
        "grade5": _item("Пятые классы", "grade", grade=5),
        "grade6": _item("Шестые классы", "grade", grade=6),
        "c5": _item("Пятый А", "class", class_id=school.c5.id),
        "c6": _item("Шестой Б", "class", class_id=school.c6.id),
        "c10": _item("Десятый А", "class", class_id=school.c10.id),
        "staff": _item("Педсовет", "staff"),
    }
    db.session.commit()
    return made


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _titles(user: User, staff_room: bool = False) -> set[str]:
    return {i.title for i in news.news_page(user, staff_room).items}


def _calendar_titles(user: User) -> set[str]:
    month = news.month_calendar(user, D(2026, 11, 1))
    return {i.title for _day, day_items in month.days for i in day_items}


# --- Who reads what ------------------------------------------------------------------------

def test_a_parent_reads_the_school_and_their_childrens_grades_and_classes(items):
    dad2 = _user("dad2")  # Вера, 5 «А»
    expected = {"Для всех", "Пятые классы", "Пятый А"}
    assert _titles(dad2) == expected
    assert _calendar_titles(dad2) == expected
    assert _titles(dad2, staff_room=True) == set()


def test_a_parent_of_two_classes_reads_both(items):
    mum = _user("mum")  # Анна 5 «А», Борис 6 «Б»
    assert _titles(mum) == {"Для всех", "Пятые классы", "Пятый А", "Шестые классы",
                            "Шестой Б"}


def test_a_pupil_reads_what_concerns_their_own_class(items):
    assert _titles(_user("anna")) == {"Для всех", "Пятые классы", "Пятый А"}
    assert _calendar_titles(_user("anna")) == {"Для всех", "Пятые классы", "Пятый А"}


def test_staff_read_everything_the_staff_room_apart(items):
    teacher = _user("teacher")
    school_news = {"Для всех", "Пятые классы", "Шестые классы", "Пятый А", "Шестой Б",
                   "Десятый А"}
    assert _titles(teacher) == school_news
    assert _titles(teacher, staff_room=True) == {"Педсовет"}
    assert _calendar_titles(teacher) == school_news | {"Педсовет"}


def test_an_item_outside_the_readers_audience_is_not_found_by_url(items, login, client):
    login("dad2")
    assert client.get(f"/news/{items['c5'].id}").status_code == 200
    for key in ("c6", "grade6", "c10", "staff"):
        assert client.get(f"/news/{items[key].id}").status_code == 404, key
    assert client.get("/news/999999").status_code == 404
    assert client.get("/news/staff").status_code == 404
    login("teacher")
    assert client.get(f"/news/{items['staff'].id}").status_code == 200
    assert client.get("/news/staff").status_code == 200


def test_the_pages_show_only_what_the_reader_may_read(items, login, client):
    login("dad2")
    body = client.get("/news/").get_data(as_text=True)
    assert "Пятый А" in body and "Для всех" in body
    assert "Шестой Б" not in body and "Педсовет" not in body and "Десятый А" not in body
    cal = client.get("/news/calendar/2026-11").get_data(as_text=True)
    assert "Пятый А" in cal and "Шестой Б" not in cal and "Педсовет" not in cal
    assert "/admin/news" not in body  # no "Add news" for families


# --- The list's order and the past ---------------------------------------------------------

def test_pinned_announcements_come_first_until_their_last_day(school):
    _item("Старое", starts=D(2026, 11, 1))
    _item("Свежее", starts=D(2026, 11, 20))
    _item("Объявление", starts=D(2026, 11, 2), ends_on=TODAY, pinned=True)
    _item("Прошлое объявление", starts=D(2026, 11, 3), ends_on=D(2026, 11, 22), pinned=True)
    db.session.commit()
    page = news.news_page(_user("dad2"), False)
    assert [i.title for i in page.items] == ["Объявление", "Свежее", "Прошлое объявление",
                                             "Старое"]
    past = {i.title for i in page.items if page.is_past(i)}
    assert past == {"Свежее", "Прошлое объявление", "Старое"}  # listed still, marked past
    assert [i.title for i in page.items if page.is_pinned(i)] == ["Объявление"]


def test_the_list_is_paged(school, login, client):
    for n in range(news.PAGE_SIZE + 3):
        _item(f"Новость {n:02d}", starts=TODAY - dt.timedelta(days=n))
    db.session.commit()
    login("dad2")
    first = client.get("/news/").get_data(as_text=True)
    second = client.get("/news/?page=2").get_data(as_text=True)
    assert "Новость 00" in first and "Новость 22" not in first
    assert "Новость 22" in second and "Новость 00" not in second
    assert client.get("/news/?page=abc").status_code == 200
    fragment = client.get("/news/?page=2", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "Новость 22" in fragment.get_data(
        as_text=True)


def test_the_list_and_the_calendar_run_a_fixed_number_of_queries(school, login, client):
    login("mum")
    client.get("/news/")
    _item("Раз", "class", class_id=school.c5.id)
    db.session.commit()
    counts = []
    for _size in ("few", "many"):
        with count_queries() as listed:
            assert client.get("/news/").status_code == 200
        with count_queries() as month:
            assert client.get("/news/calendar/2026-11").status_code == 200
        counts.append((len(listed), len(month)))
        for n in range(15):
            _item(f"Класс {n}", "class", class_id=(school.c5 if n % 2 else school.c6).id,
                  ends_on=TODAY + dt.timedelta(days=n))
            _item(f"Параллель {n}", "grade", grade=5)
        db.session.commit()
    assert counts[0] == counts[1]


# --- The calendar ---------------------------------------------------------------------------

def test_a_multi_day_item_is_on_each_of_its_days_within_the_month(school):
    _item("Каникулы", starts=D(2026, 10, 28), ends_on=D(2026, 11, 3))
    _item("Концерт", starts=D(2026, 11, 30))
    _item("Декабрь", starts=D(2026, 12, 1))
    _item("Октябрь", starts=D(2026, 10, 31))
    db.session.commit()
    month = news.month_calendar(_user("dad2"), D(2026, 11, 1))
    days = {day: [i.title for i in items] for day, items in month.days}
    assert list(days) == [D(2026, 11, 1), D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 30)]
    assert days[D(2026, 11, 1)] == ["Каникулы"] and days[D(2026, 11, 30)] == ["Концерт"]
    october = news.month_calendar(_user("dad2"), D(2026, 10, 1))
    assert [d for d, _i in october.days] == [D(2026, 10, 28), D(2026, 10, 29), D(2026, 10, 30),
                                             D(2026, 10, 31)]
    assert [i.title for i in october.days[-1][1]] == ["Каникулы", "Октябрь"]
    assert month.previous == "2026-10" and month.next == "2026-12"
    assert news.month_calendar(_user("dad2"), D(2026, 12, 1)).next == "2027-01"
    assert news.month_calendar(_user("dad2"), D(2026, 1, 1)).previous == "2025-12"


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "abcd-ef",
                                   "1999-12", "2101-01", "２０２６-11", "2026-11-01"])
def test_a_bad_month_is_not_found(school, login, client, month):
    login("dad2")
    assert client.get(f"/news/calendar/{month}").status_code == 404


def test_the_calendar_opens_on_the_schools_month(school, login, client):
    _item("Сегодня")
    db.session.commit()
    login("dad2")
    body = client.get("/news/calendar").get_data(as_text=True)
    assert "Сегодня" in body and "/news/calendar/2026-10" in body and "/news/calendar/2026-12" \
        in body


def test_the_body_is_escaped_with_its_links_and_lines_kept(school, login, client):
    item = _item("Ссылка", body="См. https://school.example/a?b=1\n<script>x</script>")
    db.session.commit()
    login("dad2")
    body = client.get(f"/news/{item.id}").get_data(as_text=True)
    assert '<a href="https://school.example/a?b=1"' in body
    assert "&lt;script&gt;" in body and "<script>x" not in body


# --- Publishing through the grid ------------------------------------------------------------

def _form(**change) -> dict:
    data = {"title": "Родительское собрание", "body": "В 18:00, каб. 12", "starts_on":
            "2026-11-25", "ends_on": "", "audience": "all", "grade": "", "class_id": "",
            "pinned": ""}
    return {**data, **change}


def _count() -> int:
    return len(db.session.scalars(select(NewsItem)).all())


def test_a_deputy_publishes_for_a_class_and_is_the_author(school, login, client):
    login("deputy")
    response = client.post("/admin/news/new", data=_form(audience="class",
                                                         class_id=str(school.c5.id)))
    assert response.status_code == 302
    item = db.session.scalar(select(NewsItem))
    assert item.class_id == school.c5.id and item.author_id == _user("deputy").id
    assert item.starts_on == D(2026, 11, 25) and item.body == "В 18:00, каб. 12"


@pytest.mark.parametrize("change, message, params", [
    ({"audience": "grade"}, "Choose the grade (parallel) the item is for.", {}),
    ({"audience": "class"}, "Choose the class the item is for.", {}),
    ({"audience": "all", "grade": "5"},
     "A grade is chosen only for a parallel's item: leave it empty.", {}),
    ({"audience": "all", "class_id": "1"},
     "A class is chosen only for a class's item: leave it empty.", {}),
    ({"ends_on": "2026-11-24"}, "The end date is before the start date.", {}),
    ({"body": "я" * (NEWS_BODY_MAX + 1)}, "At most %(max)d characters (now %(now)d).",
     {"max": NEWS_BODY_MAX, "now": NEWS_BODY_MAX + 1}),
    ({"title": "я" * 201}, "At most %(max)d characters.", {"max": 200}),
    ({"title": ""}, "Fill in this field.", {}),
    ({"audience": "everyone"}, "Choose a value from the list.", {}),
])
def test_the_grid_refuses_a_broken_item_and_says_why(school, login, client, change, message,
                                                     params):
    login("admin")
    response = client.post("/admin/news/new", data=_form(**change))
    assert status(response) == 422
    with force_locale("ru"):  # the page speaks the school's language
        expected = str(escape(gettext(message, **params)))
    assert expected in response.get_data(as_text=True)
    assert _count() == 0


def test_check_item_refuses_overlong_text_beyond_the_form(school):
    admin = _user("admin")
    item = NewsItem(title="x", body="я" * (NEWS_BODY_MAX + 1), audience="all", starts_on=TODAY)
    with force_locale("en"):
        assert "at most" in news.check_item(item, admin)
    item.body = ""
    assert news.check_item(item, admin) is None


@pytest.mark.parametrize("username", ["teacher", "ct", "mum", "anna", "secretary", "director"])
def test_who_may_not_publish_cannot_post_to_the_grid(school, login, client, username):
    login(username)
    response = client.post("/admin/news/new", data=_form())
    assert response.status_code in (403, 404)
    assert _count() == 0


def test_the_director_reads_the_grid_without_editing(school, login, client):
    _item("Для всех")
    db.session.commit()
    login("director")
    assert client.get("/admin/news").status_code == 200
    login("teacher")
    assert client.get("/admin/news").status_code == 404


def test_a_primary_deputy_publishes_only_for_their_level(school, login, client):
    login("deputy1")
    grade10 = client.post("/admin/news/new", data=_form(audience="grade", grade="10"))
    class10 = client.post("/admin/news/new", data=_form(audience="class",
                                                        class_id=str(school.c10.id)))
    assert status(grade10) == status(class10) == 422
    with force_locale("ru"):
        expected = gettext("You publish for grades %(low)d-%(high)d only (or for the whole "
                           "school and the staff room).", low=1, high=4)
    assert str(escape(expected)) in grade10.get_data(as_text=True)
    assert _count() == 0
    for audience in ("all", "staff"):
        assert client.post("/admin/news/new", data=_form(audience=audience)).status_code == 302
    assert _count() == 2


def test_a_primary_deputy_does_not_reach_another_levels_item(school, login, client):
    other = _item("Десятый А", "class", class_id=school.c10.id)
    own = _item("Для всех")
    db.session.commit()
    login("deputy1")
    listing = client.get("/admin/news").get_data(as_text=True)
    assert "Для всех" in listing and "Десятый А" not in listing
    assert client.get(f"/admin/news/{other.id}/edit").status_code == 404
    assert client.post(f"/admin/news/{other.id}", data=_form()).status_code == 404
    moved = client.post(f"/admin/news/{own.id}", data=_form(audience="grade", grade="10"))
    assert status(moved) == 422
    assert client.post(f"/admin/news/{other.id}/delete", data={"confirm": "yes"}).status_code \
        == 404
    db.session.refresh(own)
    assert own.audience == "all" and own.title == "Для всех"
    assert db.session.get(NewsItem, other.id) is not None


def test_an_edit_keeps_the_author(school, login, client):
    login("deputy")
    client.post("/admin/news/new", data=_form())
    item = db.session.scalar(select(NewsItem))
    login("admin")
    saved = client.post(f"/admin/news/{item.id}", data=_form(title="Собрание перенесено",
                                                             pinned="y", ends_on="2026-11-26"))
    assert saved.status_code == 302
    db.session.refresh(item)
    assert item.title == "Собрание перенесено" and item.pinned and item.ends_on == D(2026, 11, 26)
    assert item.author_id == _user("deputy").id


def test_publishers_see_the_add_link(school, login, client):
    login("deputy")
    assert "/admin/news#new-h" in client.get("/news/").get_data(as_text=True)
    login("director")
    assert "/admin/news#new-h" not in client.get("/news/").get_data(as_text=True)


def test_a_month_fragment_for_htmx(school, login, client):
    _item("Сегодня")
    db.session.commit()
    login("dad2")
    fragment = client.get("/news/calendar/2026-11", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="news-month"' in text
    assert "Сегодня" in text


# --- The demo school's news -----------------------------------------------------------------

def test_the_demo_news_keep_the_rules_and_reach_their_readers(school):
    made = seed_news(TODAY)
    db.session.commit()
    rows = db.session.scalars(select(NewsItem)).all()
    assert made == len(rows) > 5
    assert {r.audience for r in rows} == {"all", "class", "staff"}  # no 4th or 9th grade here
    deputy = _user("deputy")
    assert all(news.check_item(r, deputy) is None for r in rows)
    assert all(r.author_id == deputy.id for r in rows)
    assert "Экскурсия в краеведческий музей" in _titles(_user("dad2"))
    assert "Экскурсия в краеведческий музей" not in _titles(_user("teacher"), staff_room=True)
    assert _titles(_user("teacher"), staff_room=True) and not _titles(_user("dad2"), True)
