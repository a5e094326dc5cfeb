"""Credential slips: the one-time passwords just issued, four to an A4 page, each in its
person's language (a Kazakh class's family reads Kazakh), to cut and hand out."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from models import School
from services import pdf
from services.accounts.issue import Issued


@dataclass
class Slip:
    name: str
    role: str
    username: str
    password: str
    t: dict[str, str]


def _words(locale: str, role: str) -> tuple[dict[str, str], str]:
    with force_locale(locale):
        words = {"journal": _("Electronic journal and diary"), "address": _("Address"),
                 "login": _("Login"), "password": _("Password"),
                 "note": _("At the first sign-in the journal asks you to choose your own "
                           "password. Keep this slip away from others until then.")}
        roles = {"parent": _("parent"), "pupil": _("pupil"), "staff": _("staff")}
        return words, roles.get(role, role)


def render_slips(issued: list[tuple[Issued, str]], school: School | None,
                 server_url: str) -> bytes:
    """The PDF of slips for (issued account, role) pairs."""
    slips = []
    for item, role in issued:
        locale = item.user.locale or (school.default_locale if school else "ru")
        words, role_name = _words(locale, role)
        slips.append(Slip(item.person.full_name, role_name, item.user.username, item.password,
                          words))
    html = render_template("pdf/slips.html", slips=slips, font_css=pdf.font_face_css(),
                           school_name=school.name if school else "",
                           server_url=(school.server_url if school and school.server_url
                                       else server_url))
    return pdf.render(html)
