"""The grid's body rows as HTML, built in Python: 2,240 cells through Jinja's runtime took
most of the page's time, and each cell is a plain `<td>` with text (issue 11)."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from services import journal as rules
from services.grid import Column, Grid


def reason_labels() -> dict[str, str]:
    """Absence reasons as the class teacher and leadership see them."""
    return {"illness": _("illness"), "family": _("family reasons"), "event": _("school event"),
            "excused": _("excused"), "unexcused": _("unexcused")}


def average_text(value: float | None) -> str:
    """Two decimals with the decimal comma Russian and Kazakh write."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _short(text: str, width: int = 26) -> str:
    """Jinja's truncate(width, killwords=True, end='…', leeway=0), escaped."""
    return str(escape(text if len(text) <= width else text[:width - 1] + "…"))


def head_cells(cols: list[Column], lesson_url: str) -> Markup:
    """One <th> per lesson column: date (a link to the lesson when lesson_url), topic, homework.

    Built here rather than in a Jinja loop: 70 columns x three filters went through Jinja's
    call machinery 200 times per page.
    """
    out: list[str] = []
    for c in cols:
        lesson, wt = c.lesson, c.work_type
        attrs = f' data-l="{lesson.id}"'
        if c.lock is not None:
            attrs += f' data-lock="{c.lock}"'
        if c.is_today:
            attrs += ' data-t="1"'
        attrs += f' data-w="{wt.id if wt else ""}"'
        if wt is not None and wt.lock_rule != "current":
            attrs += ' class="jctl"'
        day = lesson.date.strftime("%d.%m")
        out.append(f'<th scope="col"{attrs}>'
                   + (f'<a href="{lesson_url}{lesson.id}">{day}</a>' if lesson_url else day)
                   + (f'<span class="jt">{_short(lesson.topic)}</span>' if lesson.topic else "")
                   + (f'<span class="jh">{_short(lesson.homework)}</span>' if lesson.homework
                      else "")
                   + "</th>")
    return Markup("".join(out))


def body_rows(grid: Grid, cols: list[Column], absent: str, late: str,
              see_reasons: bool) -> Markup:
    """Every pupil's <tr>: number and name, one <td> per lesson, average, predicted, finals.

    A cell is `<td>text</td>`; only cells with a comment (or a reason the user may see) get
    a title. The loop touches two dicts per cell and joins strings once per row.
    """
    ids = [c.lesson.id for c in cols]
    letters = {"absent": absent, "late": late}
    labels = reason_labels() if see_reasons else {}
    notice = {True: _("Parents were told"), False: _("Parents were not told")}
    out: list[str] = []
    for n, row in enumerate(grid.rows, 1):
        parts = [f'<tr data-p="{row.pupil.id}"><th scope="row">{n}. '
                 f'{escape(row.pupil.person.short_name)}</th>']
        add = parts.append
        _lesson_cells(row, ids, letters, labels, add)
        add(f'<td class="avg">{average_text(row.average)}</td>'
            f'<td class="pr">{row.predicted or ""}</td>')
        label = rules.final_label(*row.period_mark) if row.period_mark else ""
        if row.notice is None:
            add(f'<td class="f">{escape(label)}</td>')
        else:
            add(f'<td class="f nt" title="{escape(notice[row.notice])}">{escape(label)}</td>')
        if grid.is_last_period:
            year = rules.final_label(*row.year_mark) if row.year_mark else ""
            add(f'<td class="f">{escape(year)}</td>')
        add("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))


def rest_rows(grid: Grid, cols: list[Column], absent: str, late: str,
              see_reasons: bool) -> Markup:
    """The lesson cells of the columns drawn after the first paint, one bare <tr> per pupil.

    They go inside a <template> (inert: parsed, never styled or laid out) and journal.js
    moves them into the grid's rows right after the first frame (issue 11).
    """
    ids = [c.lesson.id for c in cols]
    letters = {"absent": absent, "late": late}
    labels = reason_labels() if see_reasons else {}
    out: list[str] = []
    for row in grid.rows:
        parts = ["<tr>"]
        _lesson_cells(row, ids, letters, labels, parts.append)
        parts.append("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))


def _lesson_cells(row, ids: list[int], letters: dict[str, str], labels: dict[str, str],
                  add) -> None:
    """Append one pupil's <td> for each lesson id."""
    marks, status, comments = row.marks, row.status, row.comments
    reasons = row.reasons if labels else {}
    for lid in ids:
        text = marks.get(lid, "")
        if lid in status:
            text = letters[status[lid]] + text
        elif not text:
            add("<td></td>")
            continue
        if lid in comments:
            add(f'<td class="c" title="{escape(comments[lid])}">{text}</td>')
        elif lid in reasons:
            add(f'<td title="{escape(labels.get(reasons[lid], ""))}">{text}</td>')
        else:
            add(f"<td>{text}</td>")
