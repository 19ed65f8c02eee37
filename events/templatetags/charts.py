"""Charts drawn from what a page already holds: {% load charts %}{% figure_charts figures as charts %}."""

from django import template

from events import charts as chart_data

register = template.Library()


@register.simple_tag
def figure_charts(figures):
    """The charts of an incident's figures (events.charts.figure_charts), from the page's fetched figures."""
    return chart_data.figure_charts(figures)
