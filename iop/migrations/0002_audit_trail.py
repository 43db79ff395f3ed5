import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

# The audit tables are append-only. auditlog's table belongs to a third-party app, so its trigger is
# installed here as SQL rather than through pgtrigger's model registration (which would write a
# migration into auditlog's own package).
LOGENTRY_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % of % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER logentry_append_only BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""
LOGENTRY_APPEND_ONLY_REVERSE = """
DROP TRIGGER IF EXISTS logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS audit_log_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("iop", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        # One row per page view: the clients it showed, as an array (existing rows name one client).
        migrations.AddField(
            model_name="chartread",
            name="client_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), null=True, size=None
            ),
        ),
        migrations.RunSQL(
            "UPDATE iop_chartread SET client_ids = ARRAY[client_id]",
            "UPDATE iop_chartread SET client_id = client_ids[1]",
        ),
        migrations.AlterField(
            model_name="chartread",
            name="client_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), size=None
            ),
        ),
        migrations.RemoveField(model_name="chartread", name="client_id"),
        migrations.AddField(
            model_name="chartread",
            name="action",
            field=models.CharField(
                choices=[("read", "read"), ("export", "exported")], default="read", max_length=8
            ),
        ),
        migrations.AddIndex(
            model_name='chartread',
            index=django.contrib.postgres.indexes.GinIndex(fields=['client_ids'], name='chartread_client_ids'),
        ),
        migrations.AddIndex(
            model_name='chartread',
            index=models.Index(fields=['user', '-at'], name='chartread_user_at'),
        ),
        migrations.AddIndex(
            model_name='chartread',
            index=models.Index(fields=['action', '-at'], name='chartread_action_at'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='chartread',
            trigger=pgtrigger.compiler.Trigger(name='chart_read_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='a6cec3fadbdea63d84fe2a4a60ec6fabfe2c4391', operation='UPDATE OR DELETE', pgid='pgtrigger_chart_read_append_only_51dd6', table='iop_chartread', when='BEFORE')),
        ),
        migrations.RunSQL(LOGENTRY_APPEND_ONLY, LOGENTRY_APPEND_ONLY_REVERSE),
    ]
