"""Checks of stored derived values: each app registers a function that recomputes what it stores
from the rules and reports (and, asked to, repairs) every row that differs.

`manage.py check_derived` runs them all (in CI, after the demo trial is built) and the nightly
task audit.tasks.check_derived_values does the same and repairs, logging each finding as an error:
a stored value that no longer follows its rule was changed outside the eCRF's services.
"""

CHECKS = {}


def derived_check(name):
    """Register `function(fix=False) -> list of findings` under a name shown in the command's output."""

    def register(function):
        CHECKS[name] = function
        return function

    return register


def run_checks(fix=False):
    """{check name: findings} for every registered check."""
    return {name: check(fix=fix) for name, check in CHECKS.items()}
