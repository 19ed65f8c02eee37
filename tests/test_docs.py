import re

from django.conf import settings

from events.history import tracked_models

DATA_MODEL_DOC = settings.BASE_DIR / "docs" / "data-model.md"


def archive_models():
    """The events app's models without the Historical<Model> copies that django-simple-history adds."""
    return tracked_models()


def mermaid_entities():
    text = DATA_MODEL_DOC.read_text()
    diagram = re.search(r"```mermaid\n(.*?)```", text, re.S).group(1)
    return set(re.findall(r"^\s*(\w+)\s*(?:\|\||\}o|\{)", diagram, re.M))


def test_every_model_is_drawn_in_the_data_model_diagram():
    models = {model.__name__ for model in archive_models()}
    missing = models - mermaid_entities()
    assert not missing, f"docs/data-model.md does not draw: {sorted(missing)}"


def test_every_model_has_a_line_saying_what_it_is_for():
    text = DATA_MODEL_DOC.read_text()
    for model in archive_models():
        assert f"| **{model.__name__}** |" in text, model.__name__


def test_the_data_model_says_every_record_keeps_its_history():
    assert "Historical" in DATA_MODEL_DOC.read_text()


def test_every_image_the_docs_show_exists():
    for doc in [settings.BASE_DIR / "README.md", *(settings.BASE_DIR / "docs").glob("*.md")]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} shows {target}, which is missing"
