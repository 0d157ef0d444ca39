"""Properties of the visit plan over generated courses (hypothesis)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crf.schedule import DONE, Course, visit_plan

days = st.integers(min_value=0, max_value=900)


@st.composite
def courses(draw):
    randomized_on = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    gaps = draw(st.lists(st.integers(min_value=18, max_value=40), max_size=12))
    first = randomized_on + timedelta(days=draw(st.integers(0, 7)))
    cycles, day = [], first
    for gap in gaps:
        cycles.append(day)
        day += timedelta(days=gap)
    death = draw(st.one_of(st.none(), days.map(lambda d: randomized_on + timedelta(days=d))))
    return Course(
        randomized_on=randomized_on,
        arm=draw(st.sampled_from(["combined", "systemic"])),
        cycle_dates=tuple(c for c in cycles if death is None or c <= death),
        lesions=(("L1", None), ("L2", None)),
        stopped_on=death,
    )


@given(course=courses(), today_offset=days)
@settings(max_examples=150, deadline=None)
@pytest.mark.req("PRO-TRT-7")
def test_plan_properties(course, today_offset):
    today = course.randomized_on + timedelta(days=today_offset)
    plan = visit_plan(course, today)
    expected = [v for v in plan if v.state != DONE]
    # no visit before randomization
    assert all(v.window.planned >= course.randomized_on for v in plan)
    # cycles at least 21 - 3 days apart
    cycle_dates = sorted(v.done_on or v.window.planned for v in plan if v.kind == "cycle")
    assert all((b - a).days >= 18 for a, b in zip(cycle_dates, cycle_dates[1:], strict=False))
    # nothing expected after death
    if course.stopped_on:
        assert all(v.window.planned <= course.stopped_on for v in expected if v.kind != "local_intervention")
        assert not [v for v in expected if v.kind == "local_intervention"]
