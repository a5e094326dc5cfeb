"""The criteria-based formulas (приказ № 125; DOMAIN.md 8): plain functions on numbers.

Percentages are exact fractions until the last step: the quarter percentage is rounded half
up to a whole percent once, and only then turned into a mark, so 64.5 % gives 4 and 64.49 %
gives 3, whatever the shares that made it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import get_locale

# The highest whole percent of marks 2, 3 and 4; above the last one is 5.
BANDS = (39, 64, 84)
BANDS_GRADE_1 = (20, 50, 80)
# «Анализ СОР и СОЧ» (приказ № 130, Appendix 8): the lowest whole percent of each level.
LEVELS = (("high", 85), ("medium", 40), ("low", 0))
FO_SCALE = 10


@dataclass(frozen=True)
class Weights:
    """The shares in percent of ФО, СОР and СОЧ in the quarter percentage (sum 100)."""

    fo: int = 0
    sor: int = 50
    soch: int = 50


@dataclass(frozen=True)
class Outcome:
    """A pupil's computed result for a period: the parts, the total and the suggested mark,
    or why there is none (`missing`: "fo", "sor" or "soch", the part without any work)."""

    fo: Fraction | None
    sor: Fraction | None
    soch: Fraction | None
    percent: Fraction | None
    mark: int | None
    missing: str | None = None


def ratio_percent(pairs: Iterable[tuple[int, int]]) -> Fraction | None:
    """Σ points / Σ max × 100 over (points, max) pairs (not a mean of percentages); None
    without any work. A work the pupil did not write is simply not among the pairs."""
    points = maximum = 0
    for got, most in pairs:
        points += got
        maximum += most
    return Fraction(points * 100, maximum) if maximum else None


def fo_percent(marks: Iterable[int]) -> Fraction | None:
    """P_FO = Σ ФО / (10 × n) × 100; None without formative marks."""
    values = list(marks)
    return Fraction(sum(values) * 100, FO_SCALE * len(values)) if values else None


def round_half_up(value: Fraction) -> int:
    """The nearest whole number, halves up: 64.5 → 65, 64.49 → 64."""
    return math.floor(value + Fraction(1, 2))


def percent_to_mark(percent: Fraction, grade: int) -> int:
    """The 5-point mark of a percentage: grades 2-11 0-39 → 2, 40-64 → 3, 65-84 → 4,
    85-100 → 5; grade 1 0-20 / 21-50 / 51-80 / 81-100. Rounded half up first."""
    whole = round_half_up(percent)
    bands = BANDS_GRADE_1 if grade == 1 else BANDS
    for mark, top in zip((2, 3, 4), bands, strict=True):
        if whole <= top:
            return mark
    return 5


def level_of(percent: Fraction) -> str:
    """The level of achievement of a percentage: high 85-100, medium 40-84, low 0-39."""
    whole = round_half_up(percent)
    return next(name for name, lowest in LEVELS if whole >= lowest)


def outcome(fo_marks: Iterable[int], sor: Iterable[tuple[int, int]],
            soch: Iterable[tuple[int, int]], weights: Weights, has_soch: bool,
            grade: int) -> Outcome:
    """The quarter (or half-year) result of one pupil.

    The total is Σ share × part over the parts in force: ФO when its share is above 0, СОР,
    and СОЧ where the subject has one. A subject without a СОЧ shares its weight out among
    the other parts in proportion (50/50 becomes СОР alone). A part in force with no work of
    the pupil's gives no suggestion: the teacher decides (a missed СОР is left out of both
    sums; a missed СОЧ leaves the mark to the teacher).
    """
    parts = {"fo": fo_percent(fo_marks), "sor": ratio_percent(sor),
             "soch": ratio_percent(soch) if has_soch else None}
    shares = {"fo": weights.fo, "sor": weights.sor, "soch": weights.soch if has_soch else 0}
    in_force = [name for name in ("fo", "sor", "soch") if shares[name] > 0]
    missing = next((name for name in in_force if parts[name] is None), None)
    total_share = sum(shares[name] for name in in_force)
    if missing is not None or not total_share:
        return Outcome(parts["fo"], parts["sor"], parts["soch"], None, None,
                       missing or "sor")
    percent = sum((shares[name] * parts[name] for name in in_force), Fraction(0)) / total_share
    return Outcome(parts["fo"], parts["sor"], parts["soch"], percent,
                   percent_to_mark(percent, grade))


def year_mark(period_marks: Iterable[int]) -> int | None:
    """The year mark: the mean of the period marks rounded half up (3.5 → 4)."""
    values = list(period_marks)
    return round_half_up(Fraction(sum(values), len(values))) if values else None


def shown(percent: Fraction | None) -> str:
    """A percentage to one decimal, cut rather than rounded (64.49 shows 64.4 and gives 3;
    64.5 shows 64.5 and gives 4): what is shown never points to another mark. Russian and
    Kazakh write a decimal comma (64,5), as the journal's averages do."""
    if percent is None:
        return ""
    tenths = math.floor(percent * 10)
    return f"{tenths // 10}{_point()}{tenths % 10}"


def exact(percent: Fraction | None) -> str:
    """The percentage to four decimals, for the hover text: 64.4999 rather than 64.5."""
    if percent is None:
        return ""
    units = math.floor(percent * 10000)
    return f"{units // 10000}{_point()}{units % 10000:04d}"


def _point() -> str:
    """The decimal separator of the user's language (a point outside a request)."""
    return "," if str(get_locale() or "") in ("ru", "kk") else "."
