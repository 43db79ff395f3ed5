from django.db import migrations

TRACKS = [
    # code, name, weekly minimum, weekly maximum (minutes), minimum treatment days
    ("adult", "Adult IOP", 540, 1140, 3),
    ("adolescent", "Adolescent IOP", 360, 1140, 3),
]


def create_tracks(apps, schema_editor):
    ProgramTrack = apps.get_model("clients", "ProgramTrack")
    for code, name, minimum, maximum, days in TRACKS:
        ProgramTrack.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "weekly_minimum_minutes": minimum,
                "weekly_maximum_minutes": maximum,
                "minimum_treatment_days": days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE clients_mrn_seq START 1001;", "DROP SEQUENCE clients_mrn_seq;"
        ),
        migrations.RunPython(create_tracks, migrations.RunPython.noop),
    ]
