"""The timetable grid's cells as HTML: the one place that writes a cell, for the page and for
every save answer alike.

Built in Python rather than a Jinja macro, as the journal's cells are: a grid of 48 cells with
20 choices each spent most of its time in Jinja's call machinery and per-cell translations.
Everything a cell shares (the form's URL, the CSRF token, the translated labels, the escaped
choices) is prepared once per page in a CellKit.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import escape


@dataclass
class CellKit:
    """What every cell of one grid shares."""

    url: str
    csrf: str
    period_id: int
    options: list[tuple[str, str]]  # (value, escaped label)
    day_names: dict[int, str]
    aria: str  # "%(day)s, lesson %(n)d" with {day} and {n}
    room_aria: str
    room: str
    save: str


def kit(week, opts: list, day_names: dict[int, str]) -> CellKit:
    """Prepare the shared pieces of a grid's cells (translations looked up once)."""
    return CellKit(
        url=url_for("timetable.save_cell", class_id=week.school_class.id), csrf=generate_csrf(),
        period_id=week.period.id,
        options=[(str(escape(o.value)), str(escape(o.label))) for o in opts],
        day_names=day_names,
        aria=_("%(day)s, lesson %(n)s", day="{day}", n="{n}"),
        room_aria=_("Room: %(day)s, lesson %(n)s", day="{day}", n="{n}"),
        room=str(escape(_("room"))), save=str(escape(_("Save"))))


def cell(k: CellKit, weekday: int, number: int, value: str, room: str, error: str = "",
         extra: tuple[str, str] | None = None) -> str:
    """One cell's form: the select of pages, the room, the refusal if any."""
    key = f"{weekday}-{number}"
    day = escape(k.day_names[weekday])
    aria = escape(k.aria.replace("{day}", str(day)).replace("{n}", str(number)))
    room_aria = escape(k.room_aria.replace("{day}", str(day)).replace("{n}", str(number)))
    options = k.options if extra is None else [*k.options, extra]
    chosen = str(escape(value))
    opts = "".join(f'<option value="{v}"{" selected" if v == chosen else ""}>{label}</option>'
                   for v, label in options)
    invalid = f' aria-invalid="true" aria-describedby="tt-err-{key}"' if error else ""
    refusal = (f'<p class="field-error" id="tt-err-{key}" role="alert">{escape(error)}</p>'
               if error else "")
    return (
        f'<form method="post" action="{k.url}" hx-post="{k.url}" '
        f'hx-trigger="change delay:300ms, submit" hx-target="closest td" hx-swap="innerHTML" '
        f'hx-sync="this:replace" class="ttcell{" refused" if error else ""}">'
        f'<input type="hidden" name="csrf_token" value="{k.csrf}">'
        f'<input type="hidden" name="period" value="{k.period_id}">'
        f'<input type="hidden" name="weekday" value="{weekday}">'
        f'<input type="hidden" name="number" value="{number}">'
        f'<select name="pages" id="tt-{key}" class="ttpick" data-day="{weekday}" '
        f'data-num="{number}" aria-label="{aria}"{invalid}>{opts}</select>'
        f'<input name="room" id="tt-room-{key}" class="ttroom" value="{escape(room)}" size="4" '
        f'maxlength="45" data-day="{weekday}" data-num="{number}" placeholder="{k.room}" '
        f'aria-label="{room_aria}">'
        f'<noscript><button type="submit">{k.save}</button></noscript>{refusal}</form>')
