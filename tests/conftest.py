import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a superuser with staff access, as an editor-in-chief would be."""
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "correct horse battery")
    client.force_login(user)
    return client
