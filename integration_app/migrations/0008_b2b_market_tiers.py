from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration_app", "0007_compliance_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncsettings",
            name="b2b_market_tiers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="managedcatalog",
            name="market_id",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="managedcatalog",
            name="refusal",
            field=models.CharField(blank=True, default="", max_length=10),
        ),
    ]
