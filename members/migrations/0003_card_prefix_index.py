# The card number is searched by its beginning: an index usable for LIKE 'X%' whatever the collation.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0002_search_trigram_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='member',
            name='member_card',
        ),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['card_number'], name='member_card', opclasses=['varchar_pattern_ops']),
        ),
    ]
