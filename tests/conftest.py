import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a superuser with staff access, as an editor-in-chief would be."""
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "correct horse battery")
    client.force_login(user)
    return client


def member_of(group_name, username):
    """A staff user whose only rights come from one of the groups the migrations create."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return member_of("Editor", "ed")


@pytest.fixture
def reviewer(db):
    return member_of("Reviewer", "rev")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client
