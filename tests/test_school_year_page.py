"""The school year's page gathers the year's screens for the administration; every link on
it opens for the administrator, and the page is not there for teachers or families."""
from __future__ import annotations

import re

import pytest

from tests.fragments import status


def test_every_screen_of_the_year_is_one_click_away_and_opens(school, login):
    client = login("admin")
    page = client.get("/school-year")
    assert page.status_code == 200
    links = re.findall(r'<li><a href="([^"]+)"', page.text.split("<main", 1)[1])
    assert len(links) == 10  # the summative rules since issue 21
    for link in links:
        assert client.get(link).status_code == 200, link
    assert 'aria-current="page">' in client.get("/load/").text.split("</nav>")[0]


@pytest.mark.parametrize(("user", "expected"), [("deputy", 200), ("director", 200),
                                                ("teacher", 403), ("mum", 403)])
def test_the_page_is_for_the_administration(school, login, user, expected):
    assert status(login(user).get("/school-year")) == expected
