from django.db import migrations


def create_default_row(apps, schema_editor):
    """The thresholds are one row, edited in the admin, never added or deleted there."""
    apps.get_model("inocenti", "RiskThresholds").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("inocenti", "0001_initial")]

    operations = [migrations.RunPython(create_default_row, migrations.RunPython.noop)]
