"""The journal grid's HTML: the one place that knows how a cell, a column head, an average, a
predicted mark, a period mark and the status line are written.

The full page and every save answer are built from these functions, so a cell saved through
htmx looks exactly like the cell the page drew. They build strings in Python rather than in
Jinja: a 32 x 70 grid is 2,240 cells, and Jinja's call machinery per cell took most of the
page's time (issue 11). Save answers mark the extra pieces out of band (`hx-swap-oob` with a
selector relative to the pupil's row `#p<id>`), so htmx puts each where it belongs.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from services import journal as rules
from services.cell_history import school_date
from services.grid import Column, Grid, Row, WorkColumn, cell_text
from services.summative import formula
from services.summative.results import PageResults, PupilResult
from services.summative.schedule import kind_label


def letters() -> tuple[str, str]:
    """The absence and late letters of the user's language: н/о in Russian, ж/к in Kazakh."""
    return ("ж", "к") if str(get_locale()) == "kk" else ("н", "о")


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


def corrected_note(at: dt.datetime) -> str:
    """"Corrected on 3 March": the date a late correction was entered, at the school."""
    return _("Corrected on %(date)s", date=format_date(school_date(at), "d MMMM"))


def _oob(selector: str | None) -> str:
    return f' hx-swap-oob="outerHTML:{selector}"' if selector else ""


# -- column heads ---------------------------------------------------------------------------

def head_cell(c: Column, lesson_url: str) -> str:
    """One lesson's <th>: the date (a link to the lesson), topic and homework; data-l is the
    lesson id, data-w its work type, data-lock the index of the reason it is read-only."""
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
    return (f'<th scope="col"{attrs}>'
            + (f'<a href="{lesson_url}{lesson.id}">{day}</a>' if lesson_url else day)
            + (f'<span class="jt">{_short(lesson.topic)}</span>' if lesson.topic else "")
            + (f'<span class="jh">{_short(lesson.homework)}</span>' if lesson.homework else "")
            + "</th>")


def work_head(c: WorkColumn, work_url: str) -> str:
    """A summative work's <th> (issue 21): the date (a link to the work's page: its points
    as a form, its edit and remove forms), kind, name and "/max". data-k is the work id,
    data-max its maximum, data-kind sor|soch."""
    work = c.work
    attrs = f' class="jw" data-k="{work.id}" data-max="{work.max_points}" data-kind="{work.kind}"'
    if c.lock is not None:
        attrs += f' data-lock="{c.lock}"'
    label = f"{kind_label(work.kind)} · {work.name}"
    return (f'<th scope="col"{attrs} title="{escape(label)}"><a href="{work_url}{work.id}">'
            f'{work.date.strftime("%d.%m")}</a><span class="jt">{_short(label)}</span>'
            f'<span class="jm">/{work.max_points}</span></th>')


def head_cells(cols: list[Column | WorkColumn], lesson_url: str, work_url: str = "") -> Markup:
    """Every lesson (and work) column's <th>, in order."""
    return Markup("".join(head_cell(c, lesson_url) if isinstance(c, Column)
                          else work_head(c, work_url) for c in cols))


# -- one cell -------------------------------------------------------------------------------

def lesson_cell(text: str, comment: str = "", reason: str = "", state: str = "",
                title: str = "", corrected: dt.datetime | None = None) -> str:
    """A lesson cell's <td>. state is a class ("ok": just saved, "er": refused); a refusal's
    message goes in title; otherwise the mark's comment (class "c") or the absence reason.
    A cell a late correction changed has class "fx" and says when on the title's last line
    (journal.js reads a comment from the title's first line)."""
    classes = " ".join(c for c in ("c" if comment and not title else "", state,
                                   "fx" if corrected else "") if c)
    tip = title or comment or reason
    if corrected is not None:
        tip = (tip + "\n" if tip else "") + corrected_note(corrected)
    return ("<td" + (f' class="{classes}"' if classes else "")
            + (f' title="{escape(tip)}"' if tip else "") + f">{escape(text)}</td>")


def _row_cells(row: Row, ids: list[int], absent: str, late: str, labels: dict[str, str],
               add: Callable[[str], None]) -> None:
    """Append one pupil's <td> for each lesson id: the page's hot loop, two dicts per cell."""
    marks, status, comments, fixed = row.marks, row.status, row.comments, row.corrected
    reasons = row.reasons if labels else {}
    for lid in ids:
        text = marks.get(lid, "")
        if lid in status:
            text = (absent if status[lid] == "absent" else late) + text
        if fixed and lid in fixed:  # rare: the slow path with the correction's date
            add(lesson_cell(text, comments.get(lid, ""), labels.get(reasons.get(lid, ""), ""),
                            corrected=fixed[lid]))
            continue
        if not text:
            add("<td></td>")
            continue
        if lid in comments:
            add(f'<td class="c" title="{escape(comments[lid])}">{text}</td>')
        elif lid in reasons:
            add(f'<td title="{escape(labels.get(reasons[lid], ""))}">{text}</td>')
        else:
            add(f"<td>{text}</td>")


def work_cell(points: int | None, max_points: int, state: str = "", title: str = "") -> str:
    """A work's cell: "7/10", or empty."""
    text = "" if points is None else f"{points}/{max_points}"
    return (f'<td class="k{" " + state if state else ""}"'
            + (f' title="{escape(title)}"' if title else "") + f">{text}</td>")


def _runs(cols: list[Column | WorkColumn]) -> list[tuple[list[int] | None, WorkColumn | None]]:
    """The columns as runs of lesson ids and single works: a classic page is one run, so its
    rows go through the hot loop exactly as before."""
    runs: list[tuple[list[int] | None, WorkColumn | None]] = []
    for c in cols:
        if isinstance(c, WorkColumn):
            runs.append((None, c))
        elif runs and runs[-1][0] is not None:
            runs[-1][0].append(c.lesson.id)
        else:
            runs.append(([c.lesson.id], None))
    return runs


def _mixed_cells(row: Row, runs, points: dict[int, int], absent: str, late: str,
                 labels: dict[str, str], add: Callable[[str], None]) -> None:
    for ids, work in runs:
        if work is None:
            _row_cells(row, ids, absent, late, labels, add)
        else:
            add(work_cell(points.get(work.work.id), work.work.max_points))


# -- the row's summary cells ----------------------------------------------------------------

def summary_heads(results: PageResults) -> str:
    """The heads of a criteria-based page's result columns: the parts in force, the total
    and the suggested mark (in place of the classic average and prediction)."""
    heads = [("ps", _("SAU %"), _("Section summative works: points over maxima"))]
    if results.rule.has_soch:
        heads.append(("pt", _("SAT %"), _("Term summative work: points over maximum")))
    if results.weights.fo > 0:
        heads.append(("pf", _("FA %"), _("Formative assessment: marks over 10 each")))
    heads += [("pc", _("Total %"), _("The period's percentage by the year's weights")),
              ("sg", _("Sugg."), _("Suggested period mark"))]
    return "".join(f'<th scope="col" class="{c}"><abbr title="{escape(t)}">{escape(n)}</abbr></th>'
                   for c, n, t in heads)


def _percent_cell(cls: str, value, oob: str) -> str:
    if value is None:
        return f'<td class="{cls}"{oob}></td>'
    return (f'<td class="{cls}" title="{formula.exact(value)} %"{oob}>'
            f'{formula.shown(value)}</td>')


def missing_text(part: str) -> str:
    return {"fo": _("No formative marks yet: no suggested mark."),
            "sor": _("No SAU points yet: no suggested mark."),
            "soch": _("No SAT points yet: no suggested mark.")}[part]


def half_year_text() -> str:
    return _("This subject is marked per half-year: the mark comes at the end of the "
             "half-year.")


def summary_cells(pupil_id: int, result: PupilResult, results: PageResults,
                  oob: bool = False) -> str:
    """A pupil's parts, total and suggested mark (percentages cut to one decimal, the exact
    value in the title so 64.5 % is never a surprise); out of band they replace the row's."""
    def sel(cls):
        return _oob(f"#p{pupil_id}>.{cls}" if oob else None)
    out = result.outcome
    parts = [("ps", out.sor if out else None)]
    if results.rule.has_soch:
        parts.append(("pt", out.soch if out else None))
    if results.weights.fo > 0:
        parts.append(("pf", out.fo if out else None))
    parts.append(("pc", out.percent if out else None))
    html = "".join(_percent_cell(c, v, sel(c)) for c, v in parts)
    if out is None:
        tip, text, na = half_year_text(), "½", " na"
    elif out.mark is None:
        tip, text, na = missing_text(out.missing or "sor"), "—", " na"
    else:
        tip, text, na = _("Suggested mark: %(mark)d", mark=out.mark), str(out.mark), ""
    return html + f'<td class="sg{na}" title="{escape(tip)}"{sel("sg")}>{text}</td>'


def row_summary(grid: Grid, row: Row, oob: bool = False) -> str:
    """The row's average and prediction, or on a criteria-based page its results."""
    if grid.results is None:
        return average_cells(row.pupil.id, row.average, row.predicted, oob)
    return summary_cells(row.pupil.id, grid.results.result(row.pupil.id), grid.results, oob)


def average_cells(pupil_id: int, average: float | None, predicted: int | str | None,
                  oob: bool = False) -> str:
    """The average and predicted-mark <td>s; out of band they replace the row's own."""
    pred = rules.prediction_label(predicted)
    na = ' na' if predicted == "na" else ""
    return (f'<td class="avg"{_oob(f"#p{pupil_id}>.avg" if oob else None)}>'
            f'{average_text(average)}</td>'
            f'<td class="pr{na}"{_oob(f"#p{pupil_id}>.pr" if oob else None)}>{pred}</td>')


def final_cell(kind: str, mark: tuple[int | None, str | None] | None, notice: bool | None = None,
               state: str = "", title: str = "", pupil_id: int | None = None,
               corrected: dt.datetime | None = None) -> str:
    """A period (kind "period") or year mark <td>; with pupil_id it goes out of band. One a
    late correction changed has class "fx" and says when in its title."""
    label = rules.final_label(*mark) if mark else ""
    classes = "f fp" if kind == "period" else "f fy"
    if notice is not None and kind == "period":
        classes += " nt"
        title = title or (_("Parents were told") if notice else _("Parents were not told"))
    if state:
        classes += f" {state}"
    if corrected is not None:
        classes += " fx"
        title = (title + "\n" if title else "") + corrected_note(corrected)
    selector = f"#p{pupil_id}>.{classes.split()[1]}" if pupil_id is not None else None
    return (f'<td class="{classes}"' + (f' title="{escape(title)}"' if title else "")
            + f"{_oob(selector)}>{escape(label)}</td>")


def status_line(text: str, error: bool = False) -> str:
    """The grid's status line, replaced out of band (its live region stays in place)."""
    role = ' class="jerr"' if error else ""
    return f'<span id="jstatus-text" hx-swap-oob="outerHTML"{role}>{escape(text)}</span>'


# -- the whole body -------------------------------------------------------------------------

def body_rows(grid: Grid, cols: list[Column], sees_reasons: Callable[[Row], bool]) -> Markup:
    """Every pupil's <tr id="p<id>">: number and name, a <td> per lesson, average, predicted,
    period (and in the last period year) marks. sees_reasons(row) is asked per pupil: an
    absence reason is health data only some may see (DOMAIN.md 9)."""
    runs = _runs(cols)
    absent, late = letters()
    labels = reason_labels()
    out: list[str] = []
    for n, row in enumerate(grid.rows, 1):
        pid = row.pupil.id
        parts = [f'<tr id="p{pid}" data-p="{pid}"><th scope="row">{n}. '
                 f'{escape(row.pupil.person.short_name)}</th>']
        add = parts.append
        _cells_of(grid, row, runs, absent, late, labels if sees_reasons(row) else {}, add)
        add(row_summary(grid, row))
        add(final_cell("period", row.period_mark, row.notice, corrected=row.period_corrected,
                       title=row.period_reason))
        if grid.is_last_period:
            add(final_cell("year", row.year_mark, corrected=row.year_corrected))
        add("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))


def _cells_of(grid: Grid, row: Row, runs, absent: str, late: str, labels: dict[str, str],
              add: Callable[[str], None]) -> None:
    """A row's lesson (and work) cells: a classic page's single run goes straight to the
    hot loop."""
    if grid.results is None:
        _row_cells(row, runs[0][0] if runs else [], absent, late, labels, add)
    else:
        _mixed_cells(row, runs, grid.results.result(row.pupil.id).points, absent, late,
                     labels, add)


def rest_rows(grid: Grid, cols: list[Column], sees_reasons: Callable[[Row], bool]) -> Markup:
    """The lesson cells of the columns drawn after the first paint, one bare <tr> per pupil.

    They go inside a <template> (inert: parsed, never styled or laid out) and journal.js
    moves them into the grid's rows right after the first frame (issue 11).
    """
    runs = _runs(cols)
    absent, late = letters()
    labels = reason_labels()
    out: list[str] = []
    for row in grid.rows:
        parts = ["<tr>"]
        _cells_of(grid, row, runs, absent, late, labels if sees_reasons(row) else {},
                  parts.append)
        parts.append("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))


def column_cells(rows: list[Row], lesson_id: int, column: int,
                 sees_reasons: Callable[[Row], bool],
                 averages: dict[int, tuple[float | None, int | str | None]],
                 state: str = "ok") -> str:
    """Every pupil's cell of one lesson, out of band at child `column` of each row (the
    column the teacher acted on), and the new average and prediction of the pupils in
    `averages` (those who got a mark)."""
    absent, late = letters()
    labels = reason_labels()
    out: list[str] = []
    for row in rows:
        pid = row.pupil.id
        reason = labels.get(row.reasons.get(lesson_id, ""), "") if sees_reasons(row) else ""
        cell = lesson_cell(cell_text(row, lesson_id, absent, late),
                           row.comments.get(lesson_id, ""), reason, state)
        out.append(cell.replace("<td", f'<td{_oob(f"#p{pid}>:nth-child({column})")}', 1))
        if pid in averages:
            out.append(average_cells(pid, *averages[pid], oob=True))
    return "".join(out)
