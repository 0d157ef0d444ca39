import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from randomization.services import RandomizationRefused, generate_list


class Command(BaseCommand):
    help = (
        "Generate the stratified permuted-block randomization list (blocks of 3 and 6, each 2:1), "
        "store it, and write the list file with its SHA-256 for the trial statistician."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            default=None,
            help="Seed supplied by the trial statistician (the same seed gives the same list). Leave it out: "
            "a 128-bit seed is drawn from the operating system's secure random source and stored.",
        )
        parser.add_argument("--per-stratum", type=int, required=True, help="Slots per stratum (whole blocks).")
        parser.add_argument("--output", default=str(settings.VAR_DIR / "randomization_list.csv"))
        parser.add_argument("--replace", action="store_true", help="Replace a list no patient has used yet.")

    def handle(self, *args, seed, per_stratum, output, replace, **options):
        if per_stratum < 1:
            raise CommandError("--per-stratum must be at least 1.")
        try:
            randomization_list, text = generate_list(seed, per_stratum, getpass.getuser(), replace=replace)
        except RandomizationRefused as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        Path(f"{path}.sha256").write_text(f"{randomization_list.sha256}  {path.name}\n")
        slots = randomization_list.slots.count()
        self.stdout.write(
            f"{randomization_list}: {slots} slots written to {path} (SHA-256 {randomization_list.sha256})."
        )
        self.stdout.write("The seed is stored with the list; only the Randomization manager can read it.")
        self.stdout.write("Keep the file with the trial statistician only: it reveals future allocations.")
