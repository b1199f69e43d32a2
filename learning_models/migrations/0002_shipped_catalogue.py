"""Installs the national title types and criteria sets (learning_models.catalogue); they stay editable data."""

from django.db import migrations


def forwards(apps, schema_editor):
    from learning_models.catalogue import install

    install(apps.get_model("learning_models", "TitleType"), apps.get_model("learning_models", "CriteriaSet"),
            apps.get_model("learning_models", "Criterion"))


class Migration(migrations.Migration):
    dependencies = [("learning_models", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
