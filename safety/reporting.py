"""Expedited-reporting rules (ICH E2A): the 24-hour clock, lateness, and what makes a SUSAR.

Plain functions over plain values, and the same rules as query expressions for the lists that
filter on them, so the pages, the notification and the exports never hold a second copy.
"""

from datetime import timedelta

from django.db.models import F, Q

from esotrial import protocol

# "Possible or stronger" to any study treatment: a suspected adverse reaction (ICH E2A II.A.1).
RELATED_CODES = ("possible", "probable", "definite")
RELATIONSHIP_FIELDS = ("relationship_to_anti_pd1", "relationship_to_chemotherapy", "relationship_to_local_intervention")


def report_deadline(aware_at):
    """Serious AEs are reported to the sponsor within SAE_REPORT_HOURS of the site's awareness."""
    return aware_at + timedelta(hours=protocol.SAE_REPORT_HOURS.value)


def entered_late(entered_at, aware_at):
    """An SAE first entered after its deadline was reported late, whatever happened next."""
    return entered_at > report_deadline(aware_at)


def is_suspected_reaction(*relationships):
    return any(relationship in RELATED_CODES for relationship in relationships)


def is_susar(serious, expectedness, *relationships):
    """Suspected unexpected serious adverse reaction: serious, unexpected, related to a study treatment."""
    return bool(serious) and expectedness == "unexpected" and is_suspected_reaction(*relationships)


def entered_late_q():
    """SaeReport rows first entered after their deadline, for lists that filter in the database."""
    return Q(opened_at__gt=F("aware_at") + timedelta(hours=protocol.SAE_REPORT_HOURS.value))


def overdue_q(now):
    """SaeReport rows not yet notified whose deadline has passed (SaeReport.overdue, in the database)."""
    return Q(notified_at__isnull=True, aware_at__lt=now - timedelta(hours=protocol.SAE_REPORT_HOURS.value))


SUSPECTED_REACTION_Q = (
    Q(relationship_to_anti_pd1__in=RELATED_CODES)
    | Q(relationship_to_chemotherapy__in=RELATED_CODES)
    | Q(relationship_to_local_intervention__in=RELATED_CODES)
)
SUSAR_Q = Q(serious=True, expectedness="unexpected") & SUSPECTED_REACTION_Q
