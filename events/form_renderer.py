"""The renderer of every form on the site: Django's own form and widget templates, drawn by Jinja2.

Django ships each of its form templates twice, for its own template language and for Jinja2, and keeps the
two equal (tests/test_form_renderer.py compares whole admin pages). Drawing a widget is a few template
renders, each costing the Django language several times what it costs Jinja2: the Kerman bombings' admin
page (about 150 widgets) took 245 ms of CPU, 189 ms with its widgets drawn by Jinja2. Templates that only the
Django language has (the admin's widget wrappers, which include Django's own widget templates) are drawn by
it, as before. To override one of Django's form templates, put the Jinja2 version in `events/jinja2/`.
"""

from django.forms import renderers
from django.template import TemplateDoesNotExist


class FormRenderer(renderers.BaseRenderer):
    def __init__(self):
        self.jinja2 = renderers.Jinja2()
        self.django = renderers.DjangoTemplates()
        # Names Jinja2 lacks: looked up there once, not on every draw (a miss reads the disk).
        self._django_only = set()

    def get_template(self, template_name):
        if template_name not in self._django_only:
            try:
                return self.jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self.django.get_template(template_name)
