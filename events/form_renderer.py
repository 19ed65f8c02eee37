"""The renderer of every form on the site: Django's own form and widget templates, drawn by Jinja2.

Django ships each of its form templates twice, for its own template language and for Jinja2, and keeps the
two equal (tests/test_form_renderer.py compares whole admin pages). Drawing a widget is a few template
renders, each cheaper in Jinja2: the Kerman bombings' admin page (1,570 widgets, 943 labels, 2,100 error
lists) took 1.97 s of CPU, 1.43 s with them drawn by Jinja2 (benchmarks/admin_change_page.py). Templates that
only the Django language has (the admin's widget wrappers, which include Django's own widget templates) are
drawn by it, as before, and so would a form template of our own in the app's `templates/`.
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
