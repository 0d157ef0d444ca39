"""The stored patient state (crf.derived) follows the rules (crf.status, crf.schedule) it is derived from.

What the lists filter and show must equal what the rules give today, on any day: the status, the
"Next due" visit, and whether the patient is on the Due visits list (a visit overdue, due, or planned
within the week). Checked on every demo patient and on generated histories, on several days.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crf import derived, schedule
from crf.models import DerivedState, EndOfTreatment, FollowUp, OffStudy, Patient
from crf.patients import with_course_data, with_status
from tests.factories import AllocationFactory, CycleFactory, PatientFactory
from visits.models import MissedVisit

WEEK = timedelta(days=7)
LISTED = (schedule.OVERDUE, schedule.DUE)


def on_due_list(plan, today, until):
    """What the Due visits page lists, read straight off the plan."""
    return any(
        visit.state in LISTED or (visit.state == schedule.UPCOMING and visit.window.planned <= until) for visit in plan
    )


def next_visit(due):
    return (due[0][0].key, due[0][0].window) if due else ("", None)


def assert_stored_state_follows_the_rules(days):
    ids = list(Patient.objects.values_list("pk", flat=True))
    stored = {state.patient_id: state for state in DerivedState.objects.all()}
    assert set(stored) == set(ids)
    for today in days:
        by_rules = with_status(list(with_course_data(Patient.objects.filter(pk__in=ids))), today)
        listed = set(Patient.objects.filter(derived.due_q(today, today + WEEK)).values_list("pk", flat=True))
        assert listed == {p.pk for p in by_rules if on_due_list(p.plan, today, today + WEEK)}, today
        for patient in by_rules:
            state = stored[patient.pk]
            assert state.status == patient.status, patient.screening_number
            window = schedule.Window(state.next_visit_planned, state.next_visit_earliest, state.next_visit_latest)
            stored_next = (state.next_visit_key, window if state.next_visit_key else None)
            assert stored_next == next_visit(patient.due), (patient.screening_number, today)


@pytest.mark.django_db
@pytest.mark.req("PERF-1")
def test_every_demo_patient_has_the_state_the_rules_give_on_any_day(settings, terms):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("check_derived")  # what CI and the nightly task run: raises when a row differs
    today = date.today()
    assert_stored_state_follows_the_rules([today - timedelta(days=400), today, today + timedelta(days=45)])


@pytest.mark.django_db
@pytest.mark.req("PERF-1")
def test_check_derived_finds_and_repairs_a_state_changed_outside_the_services(patient):
    AllocationFactory(patient=patient)
    DerivedState.objects.filter(patient=patient).update(status="screening")  # by hand in the database
    with pytest.raises(Exception, match="differ"):
        call_command("check_derived")
    call_command("check_derived", "--fix")
    assert DerivedState.objects.get(patient=patient).status == "randomized"
    call_command("check_derived")


# --- Generated histories ---------------------------------------------------------------------

gaps = st.integers(min_value=10, max_value=40)


@st.composite
def histories(draw):
    randomized_on = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 10, 1)))
    cycles, day = [], randomized_on + timedelta(days=draw(st.integers(0, 10)))
    for _number in range(draw(st.integers(0, 6))):
        cycles.append(day)
        day += timedelta(days=draw(gaps))
    last = cycles[-1] if cycles else randomized_on
    end = draw(st.none() | st.just(last + timedelta(days=draw(st.integers(1, 30)))))
    contacts, death = [], None
    if end:
        contact = end
        for _number in range(draw(st.integers(0, 2))):
            contact += timedelta(days=draw(st.integers(60, 120)))
            contacts.append(contact)
        if contacts and draw(st.booleans()):
            death = contacts[-1] - timedelta(days=draw(st.integers(0, 20)))
    return {
        "arm": draw(st.sampled_from(["combined", "systemic"])),
        "randomized_on": randomized_on,
        "cycles": cycles,
        "end": end,
        "contacts": contacts,
        "death": death,
        "off_study": draw(st.none() | st.just(last + timedelta(days=draw(st.integers(1, 400))))),
        "missed_next_cycle": draw(st.booleans()),
    }


@pytest.mark.django_db
@pytest.mark.req("PERF-1")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), offsets=st.lists(st.integers(-200, 900), min_size=2, max_size=3))
def test_generated_histories_are_stored_as_the_rules_give_them(site, history, offsets):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, arm=history["arm"], randomized_on=history["randomized_on"])
    for number, day in enumerate(history["cycles"], start=1):
        CycleFactory(patient=patient, cycle_number=number, day1_date=day)
    if history["missed_next_cycle"]:
        MissedVisit.objects.create(patient=patient, visit_key=f"cycle:{len(history['cycles']) + 1}", reason="Away")
    if history["end"]:
        EndOfTreatment.objects.create(patient=patient, end_date=history["end"], reason="toxicity")
    for contact in history["contacts"]:
        dead = history["death"] is not None and contact == history["contacts"][-1]
        FollowUp.objects.create(
            patient=patient,
            contact_date=contact,
            vital_status="dead" if dead else "alive",
            death_date=history["death"] if dead else None,
            death_cause="progression" if dead else "",
        )
    if history["off_study"]:
        OffStudy.objects.create(patient=patient, off_study_date=history["off_study"], reason="withdrawal")
    start = history["randomized_on"]
    assert_stored_state_follows_the_rules([start + timedelta(days=offset) for offset in offsets])


@pytest.mark.req("PERF-1")
@settings(max_examples=300, deadline=None)
@given(history=histories(), today=st.dates(min_value=date(2023, 6, 1), max_value=date(2029, 1, 1)))
def test_the_stored_dates_do_not_depend_on_the_day_they_were_computed(history, today):
    """The claim crf.derived rests on, over many more histories than the database test can afford."""
    course = schedule.Course(
        randomized_on=history["randomized_on"],
        arm=history["arm"],
        cycle_dates=tuple(history["cycles"]),
        lesions=(("L1", None), ("L2", history["randomized_on"] + timedelta(days=30))),
        treatment_end=history["end"],
        follow_up_dates=tuple(history["contacts"]),
        stopped_on=history["death"] or history["off_study"],
        missed={f"cycle:{len(history['cycles']) + 1}": "Away"} if history["missed_next_cycle"] else {},
    )
    saved_on = history["randomized_on"]  # the day a form was saved and the state stored

    def summary(day):
        plan = schedule.visit_plan(course, day)
        patient = SimpleNamespace(
            pk=1, status="on_treatment", plan=plan, due=[(v, v.state) for v in schedule.next_due(plan)]
        )
        return derived.state_of(patient), plan

    stored, _plan = summary(saved_on)
    state_today, plan_today = summary(today)
    assert [getattr(stored, name) for name in derived.FIELDS] == [getattr(state_today, name) for name in derived.FIELDS]
    listed = (stored.open_visits_earliest is not None and stored.open_visits_earliest <= today) or (
        stored.open_visits_planned is not None and stored.open_visits_planned <= today + WEEK
    )
    assert listed == on_due_list(plan_today, today, today + WEEK)
