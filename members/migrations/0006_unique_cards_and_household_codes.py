"""Card numbers unique within a province and household codes unique within a unit, enforced by the database
(issue 15: two imports committed at once saved every member twice). `card_scope` holds the path of the province
above the member's unit; it is filled here in two set-based updates (a province's 3 million members take
seconds, not a loop). Existing duplicates stop the migration with the list to correct first."""

from django.db import migrations, models

FILL_CARD_SCOPE = """
UPDATE members_member SET card_scope = scopes.path
FROM (
    SELECT unit.id AS unit_id, province.path AS path
    FROM chapters_unit unit JOIN chapters_unit province
      ON province.level = 'province' AND unit.path LIKE province.path || '%'
) AS scopes
WHERE members_member.unit_id = scopes.unit_id AND members_member.card_number <> ''
"""
FILL_OUTSIDE_PROVINCES = """
UPDATE members_member SET card_scope = (SELECT path FROM chapters_unit WHERE chapters_unit.id = members_member.unit_id)
WHERE card_number <> '' AND card_scope = ''
"""


def fill_and_check(apps, schema_editor):
    from django.db.models import Count

    Member = apps.get_model("members", "Member")
    Household = apps.get_model("members", "Household")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL_CARD_SCOPE)
        cursor.execute(FILL_OUTSIDE_PROVINCES)
    cards = (
        Member.objects.exclude(card_number="")
        .values("card_scope", "card_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)[:20]
    )
    codes = Household.objects.exclude(code="").values("unit_id", "code").annotate(n=Count("id")).filter(n__gt=1)[:20]
    problems = [f"số thẻ {row['card_number']} ({row['n']} hội viên)" for row in cards]
    problems += [f"mã hộ {row['code']} ở đơn vị {row['unit_id']} ({row['n']} hộ)" for row in codes]
    if problems:
        raise RuntimeError(
            "Dữ liệu đang có bản ghi trùng, cần sửa trước khi nâng cấp: " + "; ".join(problems) + ". "
            "Sửa hoặc gộp các bản ghi này rồi chạy lại migrate."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_list_sort_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="household", name="household_unit_code"),
        migrations.AddField(
            model_name="member",
            name="card_scope",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_and_check, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(
                condition=models.Q(("code", ""), _negated=True),
                fields=("unit", "code"),
                name="household_unique_code_in_unit",
                violation_error_message="Mã hộ này đã dùng cho một hộ khác trong chi hội.",
            ),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("card_number", ""), _negated=True),
                fields=("card_scope", "card_number"),
                name="member_card_unique_in_province",
                violation_error_message="Số thẻ này đã cấp cho một hội viên khác trong cùng tỉnh.",
            ),
        ),
    ]
