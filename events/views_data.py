"""Dataset releases (/data/, events/releases.py) and the citation downloads of every record (events/citations.py)."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views import View
from django.views.generic import TemplateView

from . import citations, releases, revisions
from .models import Revision
from .views import SectionMixin

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".cff": "text/plain; charset=utf-8",  # YAML; shown as text in a browser rather than downloaded blind
    "": "text/plain; charset=utf-8",  # SHA256SUMS
}


class DataView(SectionMixin, TemplateView):
    """Every dataset release, newest first, with its files' sizes and checksums and what changed in it."""

    template_name = "events/data.html"
    section = "data"

    def get_context_data(self, **kwargs):
        kwargs["releases"] = releases.all_releases()
        return super().get_context_data(**kwargs)


def release_file(request, version, name):
    """One file of a release. Only the names a release writes, in a folder named like a version: anything
    else (an unknown release, `..`, another file) is a 404."""
    path = releases.release_file(version, name)
    if path is None:
        raise Http404("No such release file.")
    suffix = "" if "." not in name else name[name.rindex(".") :]
    return FileResponse(path.open("rb"), content_type=CONTENT_TYPES[suffix], filename=name)


class CitationView(View):
    """A published record's citation as a file. Built per request with today's access date, so it is sent
    `private, no-cache`: the page cache never stores it (events/caching.storable) and no date goes stale."""

    model = None
    kind = ""

    def get(self, request, slug, format):
        record = get_object_or_404(self.model.objects.published(), slug=slug)
        revision = path = None
        if self.model in revisions.PERMALINKED:
            revision = Revision.objects.of(record).public().order_by("-number").first()
            path = revisions.public_url(revision, slug=record.slug) if revision is not None else None
        cite = citations.citation(
            record, self.kind, request=request, revision=revision, revision_path=path, accessed=timezone.localdate()
        )
        content_type, _label = citations.FORMATS[format]
        response = HttpResponse(cite.render(format), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{cite.key}.{format}"'
        patch_cache_control(response, private=True, no_cache=True)
        return response
