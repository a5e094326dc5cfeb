"""The two ways a page is tried: Russian on a desktop, Kazakh on a 375 px touch phone.

A module runs every test in both by taking its fixtures from here:
    variant, page = variant_fixtures()            # or variant_fixtures(accept_downloads=True)
`variant` is (language, viewport, touch); `page` is that variant's page, and the conftest's
console check and axe apply to it.
"""
from __future__ import annotations

import pytest

VARIANTS = {"ru-desktop": ("ru", {"width": 1280, "height": 900}, False),
            "kk-phone": ("kk", {"width": 375, "height": 812}, True)}


def variant_fixtures(**context_args):
    """The module's `variant` and `page` fixtures; context_args go to new_context()."""
    @pytest.fixture(params=list(VARIANTS))
    def variant(request) -> tuple:
        return VARIANTS[request.param]

    @pytest.fixture
    def page(browser, variant, console_errors):
        _lang, viewport, touch = variant
        context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch,
                                      locale="ru-RU", **context_args)
        yield context.new_page()
        context.close()

    return variant, page


def sign_in_as(page, sign_in, username: str, variant: tuple):
    """Sign in, switch to the variant's language, and return how the variant presses (a tap
    on a touch phone, a click on a desktop)."""
    lang, _viewport, touch = variant
    sign_in(username)
    if lang == "kk":
        page.click(".lang-switch button")
        page.wait_for_load_state()
    return page.tap if touch else page.click
