"""Class statistics of period and year marks (DOMAIN.md 8), as pure functions.

A final mark is reduced to a label: "5", "4", "3", "2", "1", "na" (н/а), "exempt" (осв.),
"pass" (зачёт), "fail" (незачёт), or None (no mark entered). `tally(labels)` counts them and
gives the three percentages over N:

- N = the pupils counted (enrolled at the end of the period: the caller leaves out those who
  left) minus the exempt minus those with no mark; н/а stays in N;
- успеваемость % = (N5 + N4 + N3 + Nзачёт) * 100 / N;
- качество знаний % = (N5 + N4) * 100 / N;
- СОУ % = (100*N5 + 64*N4 + 36*N3 + 16*N2 + 7*Nна) / N (a "1" weighs as н/а, 7).

Pass/fail marks count in N and in успеваемость, but say nothing about quality: качество and
СОУ are taken over the pupils with a graded mark (N minus зачёт/незачёт), so a pass/fail
subject has no quality figure at all. N = 0 gives None ("—" when shown), never a division
error. The summary sheet, the quality report, the dashboard and the hard copy all count
through this module.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

GRADED = ("5", "4", "3", "2", "1", "na")
LABELS = (*GRADED, "exempt", "pass", "fail")
SOU_WEIGHTS = {"5": 100, "4": 64, "3": 36, "2": 16, "1": 7, "na": 7}
NONE = "—"  # how a percentage without pupils is written


def label(value: int | None, special: str | None) -> str | None:
    """The label of a FinalMark's (value, special); None for no mark (or an unknown one)."""
    if special in ("na", "exempt", "pass", "fail"):
        return special
    if value is not None and 1 <= value <= 5:
        return str(value)
    return None


@dataclass(frozen=True)
class Stats:
    """Counts of one group of marks (a subject of a class, a class, a parallel...)."""

    counts: Counter = field(default_factory=Counter)
    no_mark: int = 0

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)

    @property
    def n(self) -> int:
        """N: every pupil with a mark, exempt ones left out (н/а kept)."""
        return sum(self.counts.values()) - self["exempt"]  # counts hold LABELS only

    @property
    def graded(self) -> int:
        """N without зачёт/незачёт: the base of качество and СОУ."""
        return self.n - self["pass"] - self["fail"]

    @property
    def progress(self) -> float | None:
        """Успеваемость, %: the share of N without a failing mark."""
        return _share(self["5"] + self["4"] + self["3"] + self["pass"], self.n)

    @property
    def quality(self) -> float | None:
        """Качество знаний, %: the share with only 4 and 5."""
        return _share(self["5"] + self["4"], self.graded)

    @property
    def sou(self) -> float | None:
        """СОУ, % (степень обученности учащихся)."""
        if self.graded <= 0:
            return None
        return sum(w * self[k] for k, w in SOU_WEIGHTS.items()) / self.graded

    def __add__(self, other: Stats) -> Stats:
        return Stats(self.counts + other.counts, self.no_mark + other.no_mark)


def _share(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole > 0 else None


def tally(labels: Iterable[str | None]) -> Stats:
    """Count labels (one per pupil counted); None (or anything not a label) is a pupil with
    no mark."""
    counts: Counter = Counter()
    missing = 0
    for name in labels:
        if name in LABELS:
            counts[name] += 1
        else:
            missing += 1
    return Stats(counts, missing)


def total(groups: Iterable[Stats]) -> Stats:
    """The sum of several groups' counts (a parallel from its classes...)."""
    out = Stats()
    for group in groups:
        out = out + group
    return out


def worst(labels: Iterable[str | None]) -> str | None:
    """One pupil's standing over their subjects, for the class's figures: the lowest graded
    mark (н/а below 2), else "fail", else "pass" if every mark is a pass/fail one; exempt
    and missing marks are passed over, so a pupil with nothing graded is None."""
    present = {name for name in labels if name is not None and name != "exempt"}
    for name in ("na", "1", "2", "fail", "3", "4", "5", "pass"):
        if name in present:
            return name
    return None


def pct_text(value: float | None) -> str:
    """A percentage as the sheets write it: one decimal with a comma, "—" without N."""
    return NONE if value is None else f"{value:.1f}".replace(".", ",")
