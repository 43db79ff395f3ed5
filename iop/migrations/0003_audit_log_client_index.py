from django.db import migrations

# The audit log's filters on auditlog's table (iop.selectors.record_change_list), newest first: by
# client, `additional_data__client_id__in=[...]` (the id the description registry, iop.audit,
# writes into each entry), and by person.
INDEX = """
CREATE INDEX logentry_client_timestamp
    ON auditlog_logentry ((additional_data -> 'client_id'), "timestamp" DESC);
CREATE INDEX logentry_actor_timestamp ON auditlog_logentry (actor_id, "timestamp" DESC);
"""


class Migration(migrations.Migration):
    dependencies = [("iop", "0002_audit_trail")]

    operations = [
        migrations.RunSQL(INDEX, "DROP INDEX IF EXISTS logentry_client_timestamp, logentry_actor_timestamp;"),
    ]
