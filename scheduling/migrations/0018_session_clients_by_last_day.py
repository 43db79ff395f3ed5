from django.db import migrations


def session_clients_view_replace(apps, schema_editor):
    from scheduling.session_clients import session_clients_view_create

    session_clients_view_create(schema_editor.connection)


class Migration(migrations.Migration):
    """The session-clients view states an enrollment's end by its last day, as the groups index
    `enrollment_live_by_group_end` does (with the client now), so a roster reads only the group's
    enrollments that have not ended by the session's day. The view is the same rows as before."""

    dependencies = [
        ("groups", "0010_enrollment_live_by_group_end_client"),
        ("scheduling", "0017_roster_reach_triggers"),
    ]

    operations = [migrations.RunPython(session_clients_view_replace, migrations.RunPython.noop)]
