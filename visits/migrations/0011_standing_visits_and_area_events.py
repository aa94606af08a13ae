import django.db.models.deletion
from django.db import migrations, models


def fill_units(apps, schema_editor):
    EventReport = apps.get_model("visits", "EventReport")
    Household = apps.get_model("visits", "Household")
    EventReport.objects.filter(unit__isnull=True).update(
        unit_id=models.Subquery(Household.objects.filter(pk=models.OuterRef("household_id")).values("grid_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_tier_labels_name_the_tier_only"),
        ("visits", "0010_visit_import_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="visit",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="campaigns.campaign",
                verbose_name="活动",
            ),
        ),
        migrations.AlterField(
            model_name="eventreport",
            name="household",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="event_reports",
                to="visits.household",
                verbose_name="农户",
            ),
        ),
        migrations.AddField(
            model_name="eventreport",
            name="unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="event_reports",
                to="campaigns.orgunit",
                verbose_name="所属单位",
            ),
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="eventreport",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="event_reports",
                to="campaigns.orgunit",
                verbose_name="所属单位",
            ),
        ),
    ]
