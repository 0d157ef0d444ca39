import logging

from celery import shared_task

from .derived import run_checks

logger = logging.getLogger(__name__)


@shared_task
def check_derived_values():
    """Nightly: verify and repair every stored derived value; each difference is logged as an error."""
    results = run_checks(fix=True)
    for name, findings in results.items():
        for finding in findings:
            logger.error("Derived value repaired (%s): %s", name, finding)
    return {name: len(findings) for name, findings in results.items()}
