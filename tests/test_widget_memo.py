"""The filter forms' widgets are drawn once per process for what they show (events/widget_memo.py)."""

from django import forms
from django.utils.safestring import mark_safe

from events.widget_memo import RememberingRenderer, canonical


def draw(renderer, widget, value, name="kind"):
    return widget.render(name, value, {"id": f"id_{name}"}, renderer=renderer)


def test_a_widget_is_drawn_once_for_what_it_shows_and_again_when_that_changes():
    renderer = RememberingRenderer()
    select = forms.Select(choices=[("", "Any type"), ("bombing", "Bombing (2)"), ("shooting", "Shooting (1)")])
    first = draw(renderer, select, "bombing")
    assert draw(renderer, select, "bombing") == first
    assert renderer.draws == 1
    select.choices = [("", "Any type"), ("bombing", "Bombing (3)"), ("shooting", "Shooting (1)")]
    assert "Bombing (3)" in draw(renderer, select, "bombing")
    assert '<option value="shooting" selected>' in draw(renderer, select, "shooting")
    assert renderer.draws == 3
    assert draw(renderer, forms.Select(choices=select.choices), "bombing") == draw(renderer, select, "bombing")
    assert renderer.draws == 3


def test_values_that_render_differently_are_never_taken_for_one_another():
    renderer = RememberingRenderer()
    drawn = [
        draw(renderer, forms.TextInput(attrs={"data-x": value}), "") for value in (True, "True", 1, "1", None, "None")
    ]
    assert renderer.draws == 6
    assert " data-x " in drawn[0] + " " and 'data-x="True"' in drawn[1] and 'data-x="None"' in drawn[5]
    assert canonical(0) != canonical(False) != canonical("0") and canonical(None) != canonical("None")
    plain = forms.Select(choices=[("a", "Tom & Jerry")])
    safe = forms.Select(choices=[("a", mark_safe("Tom &amp; Jerry"))])
    assert draw(renderer, plain, "a") == draw(renderer, safe, "a")  # the same HTML, each drawn from its own
    assert renderer.draws == 8
    assert draw(renderer, forms.Select(choices=[("a", mark_safe("Tom & Jerry"))]), "a") != draw(renderer, plain, "a")


def test_a_context_holding_anything_but_plain_values_is_drawn_every_time():
    renderer = RememberingRenderer()

    class Named:
        def __str__(self):
            return "Iran"

    select = forms.Select(choices=[(Named(), "Iran (3)")])
    assert draw(renderer, select, "") == draw(renderer, select, "")
    assert renderer.draws == 2
