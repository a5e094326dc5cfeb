"""The criteria-based formulas (DOMAIN.md 8, issue 21): percentages exact to the last step,
percent to mark at every boundary, the parts a pupil misses, the year mark."""
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.summative import formula
from services.summative.formula import Weights, outcome, percent_to_mark

HALF = Weights(0, 50, 50)


@pytest.mark.parametrize("percent, mark", [
    (F(0), 2), (F(394, 10), 2), (F(395, 10), 3), (F(40), 3), (F(6449, 100), 3),
    (F(645, 10), 4), (F(65), 4), (F(8449, 100), 4), (F(845, 10), 5), (F(100), 5)])
def test_percent_to_mark_grades_2_to_11(percent, mark):
    assert percent_to_mark(percent, 7) == mark
    assert percent_to_mark(percent, 11) == mark


@pytest.mark.parametrize("percent, mark", [
    (F(2049, 100), 2), (F(205, 10), 3), (F(5049, 100), 3), (F(505, 10), 4),
    (F(8049, 100), 4), (F(805, 10), 5)])
def test_percent_to_mark_grade_1_has_its_own_scale(percent, mark):
    assert percent_to_mark(percent, 1) == mark


def test_sau_percent_is_the_sum_of_points_over_the_sum_of_maxima():
    # 5/10 and 15/20: 20/30 = 66.67 %, not the mean of 50 % and 75 % (62.5 %).
    assert formula.ratio_percent([(5, 10), (15, 20)]) == F(200, 3)
    assert formula.ratio_percent([]) is None


def test_rounding_happens_once_at_the_last_step():
    # SAU 64.25 %, SAT 64.75 %: each would round to 64 and 65, the total 64.5 % gives 4.
    result = outcome([], [(257, 400)], [(259, 400)], HALF, True, 7)
    assert result.percent == F(129, 2) and result.mark == 4
    assert formula.shown(result.percent) == "64.5"


def test_total_with_different_sau_maxima():
    result = outcome([], [(5, 10), (15, 20)], [(13, 20)], HALF, True, 7)
    assert result.sor == F(200, 3) and result.soch == 65
    assert result.percent == F(395, 6)  # 65.8333…
    assert (formula.shown(result.percent), formula.exact(result.percent)) == ("65.8", "65.8333")
    assert result.mark == 4


def test_a_missed_sau_is_left_out_of_both_sums():
    wrote_both = outcome([], [(10, 10), (0, 20)], [(20, 20)], HALF, True, 7)
    missed_second = outcome([], [(10, 10)], [(20, 20)], HALF, True, 7)
    assert wrote_both.sor == F(100, 3) and missed_second.sor == 100
    assert missed_second.mark == 5


def test_no_sat_written_leaves_the_mark_to_the_teacher():
    result = outcome([], [(10, 10)], [], HALF, True, 7)
    assert result.mark is None and result.percent is None and result.missing == "soch"


def test_no_sau_written_gives_no_suggestion():
    result = outcome([], [], [(20, 20)], HALF, True, 7)
    assert result.mark is None and result.missing == "sor"


def test_a_subject_without_sat_is_marked_on_its_saus():
    result = outcome([], [(9, 20)], [(20, 20)], HALF, False, 7)  # a stray SAT is ignored
    assert result.soch is None and result.percent == 45 and result.mark == 3


def test_weights_with_a_formative_share():
    weights = Weights(25, 25, 50)
    # FA 8 and 9 of 10: 85 %; SAU 50 %; SAT 60 %: 0.25*85 + 0.25*50 + 0.5*60 = 63.75 → 3.
    result = outcome([8, 9], [(5, 10)], [(12, 20)], weights, True, 7)
    assert result.fo == 85 and result.percent == F(255, 4) and result.mark == 3
    # SAT 14/20 (70 %): 21.25 + 12.5 + 35 = 68.75 → 4; under 50/50 the same works give 60 → 3.
    assert outcome([8, 9], [(5, 10)], [(14, 20)], weights, True, 7).percent == F(275, 4)
    assert outcome([8, 9], [(5, 10)], [(14, 20)], weights, True, 7).mark == 4
    assert outcome([8, 9], [(5, 10)], [(14, 20)], HALF, True, 7).mark == 3


def test_a_formative_share_without_formative_marks_gives_no_suggestion():
    result = outcome([], [(5, 10)], [(12, 20)], Weights(25, 25, 50), True, 7)
    assert result.missing == "fo" and result.mark is None


def test_no_sat_subject_shares_out_the_sat_weight_with_a_formative_share():
    # 25/25/50 without a SAT: FA and SAU weigh 25:25, i.e. half each.
    result = outcome([10], [(5, 10)], [], Weights(25, 25, 50), False, 7)
    assert result.percent == 75 and result.mark == 4


@pytest.mark.parametrize("marks, year", [([4, 4, 5, 5], 5), ([3, 4], 4), ([3, 3, 4], 3),
                                         ([2, 3, 3, 3], 3), ([], None)])
def test_year_mark_is_the_rounded_mean(marks, year):
    assert formula.year_mark(marks) == year


@pytest.mark.parametrize("percent, level", [(F(845, 10), "high"), (F(8449, 100), "medium"),
                                            (F(395, 10), "medium"), (F(394, 10), "low"),
                                            (F(0), "low"), (F(100), "high")])
def test_levels_of_achievement(percent, level):
    assert formula.level_of(percent) == level


@given(st.integers(0, 1000), st.integers(1, 1000))
def test_what_is_shown_never_points_to_another_mark(points, most):
    percent = F(min(points, most) * 100, most)
    assert percent_to_mark(F(formula.shown(percent)), 7) == percent_to_mark(percent, 7)
    assert percent_to_mark(F(formula.shown(percent)), 1) == percent_to_mark(percent, 1)


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 100)), min_size=1, max_size=6))
def test_percent_stays_within_0_and_100(works):
    pairs = [(min(p, m), m) for p, m in works]
    assert 0 <= formula.ratio_percent(pairs) <= 100
