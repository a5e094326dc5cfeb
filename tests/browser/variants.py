"""The two ways a page is tried: Russian on a desktop, Kazakh on a 375 px touch phone.

A module runs every test in both by taking its fixtures from here:
    variant, page = variant_fixtures()            # or variant_fixtures(accept_downloads=True)
`variant` is (language, viewport, touch); `page` is that variant's page, and the conftest's
console check and axe apply to it.
"""
from __future__ import annotations

import pytest

PHONE, DESKTOP = {"width": 375, "height": 812}, {"width": 1280, "height": 900}
VARIANTS = {"ru-desktop": ("ru", DESKTOP, False), "kk-phone": ("kk", PHONE, True)}
# Every language on both: for pages families read on phones and print on desktops.
ALL_VARIANTS = {"ru-desktop": ("ru", DESKTOP, False), "kk-desktop": ("kk", DESKTOP, False),
                "ru-phone": ("ru", PHONE, True), "kk-phone": ("kk", PHONE, True)}


def variant_fixtures(variants: dict | None = None, **context_args):
    """The module's `variant` and `page` fixtures (over VARIANTS unless other `variants` are
    given); context_args go to new_context()."""
    variants = variants or VARIANTS

    @pytest.fixture(params=list(variants))
    def variant(request) -> tuple:
        return variants[request.param]

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
