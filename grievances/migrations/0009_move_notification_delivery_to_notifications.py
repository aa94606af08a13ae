"""Notification and Delivery now belong to the notifications app (its migration 0001).

State only: the tables grievances_notification and grievances_delivery keep their rows and names.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grievances', '0008_report_figure_indexes'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Delivery'),
                migrations.DeleteModel(name='Notification'),
            ],
        ),
    ]
