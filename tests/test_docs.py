import re

from django.apps import apps
from django.conf import settings

DATA_MODEL_DOC = settings.BASE_DIR / "docs" / "data-model.md"


def mermaid_entities():
    text = DATA_MODEL_DOC.read_text()
    diagram = re.search(r"```mermaid\n(.*?)```", text, re.S).group(1)
    return set(re.findall(r"^\s*(\w+)\s*(?:\|\||\}o|\{)", diagram, re.M))


def test_every_model_is_drawn_in_the_data_model_diagram():
    models = {model.__name__ for model in apps.get_app_config("events").get_models()}
    missing = models - mermaid_entities()
    assert not missing, f"docs/data-model.md does not draw: {sorted(missing)}"


def test_every_model_has_a_line_saying_what_it_is_for():
    text = DATA_MODEL_DOC.read_text()
    for model in apps.get_app_config("events").get_models():
        assert f"| **{model.__name__}** |" in text, model.__name__
