"""A pending bulk operation's `lines` stored zlib-compressed (`PackedJSONField`); the lines of an operation
pending at the upgrade are packed as they are."""

from django.db import migrations

import integration_app.fields


def pack_lines(apps, schema_editor):
    operations = apps.get_model("integration_app", "PendingBulkOperation")
    for operation in operations.objects.all():
        operation.packed_lines = operation.lines
        operation.save(update_fields=["packed_lines"])


def unpack_lines(apps, schema_editor):
    operations = apps.get_model("integration_app", "PendingBulkOperation")
    for operation in operations.objects.all():
        operation.lines = operation.packed_lines
        operation.save(update_fields=["lines"])


class Migration(migrations.Migration):
    dependencies = [
        ("integration_app", "0010_b2b_volume"),
    ]

    operations = [
        migrations.AddField(
            model_name="pendingbulkoperation",
            name="packed_lines",
            field=integration_app.fields.PackedJSONField(blank=True, default=list),
        ),
        migrations.RunPython(pack_lines, unpack_lines),
        migrations.RemoveField(model_name="pendingbulkoperation", name="lines"),
        migrations.RenameField(model_name="pendingbulkoperation", old_name="packed_lines", new_name="lines"),
    ]
