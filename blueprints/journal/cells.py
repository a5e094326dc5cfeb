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


def body_rows(grid: Grid, cols: list[Column], absent: str, late: str,
              see_reasons: bool) -> Markup:
    """Every pupil's <tr>: number and name, one <td> per lesson, average, predicted, finals."""
    ids = [c.lesson.id for c in cols]
    letters = {"absent": absent, "late": late, None: ""}
    labels = reason_labels() if see_reasons else {}
    notice = {True: _("Parents were told"), False: _("Parents were not told")}
    out: list[str] = []
    for n, row in enumerate(grid.rows, 1):
        parts = [f'<tr data-p="{row.pupil.id}"><th scope="row">{n}. '
                 f'{escape(row.pupil.person.short_name)}</th>']
        cells, comments, reasons = row.cells, row.comments, row.reasons
        for lid in ids:
            v = cells.get(lid)
            if v is None:
                parts.append("<td></td>")
                continue
            text = letters[v.status] + "/".join(map(str, v.marks))
            note = comments.get(lid)
            if note:
                parts.append(f'<td class="c" title="{escape(note)}">{text}</td>')
            elif labels and lid in reasons:
                parts.append(f'<td title="{escape(labels.get(reasons[lid], ""))}">{text}</td>')
            else:
                parts.append(f"<td>{text}</td>")
        parts.append(f'<td class="avg">{average_text(row.average)}</td>'
                     f'<td class="pr">{row.predicted or ""}</td>')
        label = rules.final_label(*row.period_mark) if row.period_mark else ""
        if row.notice is None:
            parts.append(f'<td class="f">{escape(label)}</td>')
        else:
            parts.append(f'<td class="f nt" title="{escape(notice[row.notice])}">{escape(label)}</td>')
        if grid.is_last_period:
            year = rules.final_label(*row.year_mark) if row.year_mark else ""
            parts.append(f'<td class="f">{escape(year)}</td>')
        parts.append("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))
