"""The tree's version token, replaced by the database itself whenever the tree changes (any path, bulk or not)."""

from django.db import migrations, models

# (table, the events that change the tree)
WATCHED = [
    ("chapters_unit", ["INSERT", "DELETE", "UPDATE OF parent_id, path, active_from, active_until"]),
    ("chapters_parentlink", ["INSERT", "DELETE", "UPDATE"]),
    ("chapters_lineage", ["INSERT", "DELETE", "UPDATE"]),
]


def _name(table, event):
    return f"{table}_tree_{event.split()[0].lower()}"


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("INSERT INTO chapters_treeversion (id, token) VALUES (1, gen_random_uuid()::text)")
            cursor.execute(
                "CREATE FUNCTION chapters_tree_changed() RETURNS trigger AS $$ BEGIN "
                "UPDATE chapters_treeversion SET token = gen_random_uuid()::text WHERE id = 1; RETURN NULL; "
                "END $$ LANGUAGE plpgsql"
            )
            for table, events in WATCHED:
                for event in events:
                    cursor.execute(
                        f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION chapters_tree_changed()"
                    )
        elif connection.vendor == "sqlite":
            cursor.execute("INSERT INTO chapters_treeversion (id, token) VALUES (1, lower(hex(randomblob(16))))")
            for table, events in WATCHED:
                for event in events:
                    cursor.execute(
                        f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN "
                        "UPDATE chapters_treeversion SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
                    )
        else:
            raise NotImplementedError(f"Cơ sở dữ liệu {connection.vendor} chưa được hỗ trợ.")


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, events in WATCHED:
            for event in events:
                if connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)} ON {table}")
                else:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS chapters_tree_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0004_summary_generation"),
    ]

    operations = [
        migrations.CreateModel(
            name="TreeVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=40)),
            ],
            options={
                "verbose_name": "phiên bản cây tổ chức",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
