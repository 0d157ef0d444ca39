"""Every protocol parameter the eCRF uses, one name each (shared/trial/PROTOCOL.md).

Forms, schedules, rules and exports import from here; a value that the protocol does not
publish is marked DEFAULT with where it comes from, so the trial team can see and change it in
this one place and the UI can say honestly that it is a default.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Parameter:
    value: object
    source: str  # "protocol" (published abstract/registry) or "default" (predecessor trial, GCP)
    note: str = ""

    @property
    def is_default(self):
        return self.source == "default"


TRIAL_NAME = "ESO-Shanghai20"
REGISTRY_ID = "NCT06190782"
SPONSOR = "Fudan University Shanghai Cancer Center"

TARGET_ENROLLMENT = Parameter(354, "protocol", "236 combined arm + 118 systemic arm")
ALLOCATION_RATIO = Parameter((2, 1), "protocol", "combined : systemic")
ENROLLMENT_MONTHS = Parameter(36, "protocol")
FOLLOW_UP_MONTHS = Parameter(24, "protocol")

# A consent date before the trial opened is a typing error, not a patient.
EARLIEST_CONSENT_DATE = Parameter(date(2024, 1, 1), "default", "registry record first posted January 2024")

# The screening number is the site code, a hyphen and a zero-padded serial: SH01-0007.
SCREENING_NUMBER_DIGITS = Parameter(4, "default", "room for 9,999 screenings per site")

PARAMETERS = {name: value for name, value in globals().items() if isinstance(value, Parameter)}
