from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration_app", "0009_bulk_operations"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncsettings",
            name="b2b_pack_size",
            field=models.CharField(
                choices=[("none", "Sell single units"), ("carton", "Sell in Cin7 carton quantities")],
                default="none",
                max_length=6,
            ),
        ),
        migrations.AddField(
            model_name="managedcatalog",
            name="volume",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
