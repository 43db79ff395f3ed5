from django.db import migrations

from scheduling import roster_reach


class Migration(migrations.Migration):
    """The triggers that keep `RosterReach`, and its rows from the history. Apart from the table's
    migration, whose unique indexes are only built at its end and the upserts infer."""

    dependencies = [("scheduling", "0016_roster_reach")]

    operations = [
        migrations.RunSQL(roster_reach.triggers_create_sql(), roster_reach.triggers_drop_sql()),
        migrations.RunSQL(roster_reach.REBUILD_SQL, migrations.RunSQL.noop),
    ]
