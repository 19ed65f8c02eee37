"""The two editorial groups: Editors write and submit for review, Reviewers also publish and delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PUBLISHABLE = ("place", "organization", "person", "incident", "reaction")
GROUPS = ("Editor", "Reviewer")


def events_permissions(apps):
    # Permissions are normally created after the last migration; the groups need them now.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="events")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions = list(events_permissions(apps))
    historical = {p for p in permissions if p.content_type.model.startswith("historical")}
    records = [p for p in permissions if p not in historical]

    def named(*actions):
        return [p for p in records if p.codename.split("_", 1)[0] in actions]

    history_view = [p for p in historical if p.codename.startswith("view_")]
    editor = named("add", "change", "view") + history_view
    reviewer = editor + named("delete") + [p for p in records if p.codename in {f"publish_{m}" for m in PUBLISHABLE}]
    for name, granted in zip(GROUPS, (editor, reviewer), strict=True):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(granted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_history_workflow_versions"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
