from django.db import migrations

from safety import ctcae


def load_ctcae_v5(apps, schema_editor):
    ctcae.load(apps.get_model("safety", "CtcaeTerm"))


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunPython(load_ctcae_v5, migrations.RunPython.noop)]
