"""An Atom feed of the records most recently published or updated, of every kind with a public page."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import registry
from .linked_data import absolute_url
from .public_names import public_title

FEED_SIZE = 30


class RecentRecordsFeed(Feed):
    feed_type = Atom1Feed
    title = "Kerman incident archive: recently published or updated"
    subtitle = "Incidents, people, organizations, places and reactions, newest change first."

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("events:home")

    def feed_url(self):
        return absolute_url(self.request, reverse("events:feed"))

    def items(self):
        querysets = [
            record_type.feed_queryset(record_type.model) for record_type in registry.RECORD_TYPES if record_type.in_feed
        ]
        newest = [record for queryset in querysets for record in queryset.order_by("-updated_at")[:FEED_SIZE]]
        return sorted(newest, key=lambda record: record.updated_at, reverse=True)[:FEED_SIZE]

    def item_title(self, item):
        kind = item._meta.verbose_name.capitalize()
        return f"{kind}: {public_title(item)}"

    def item_description(self, item):
        return getattr(item, "summary", "") or getattr(item, "description", "")

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return absolute_url(self.request, item.get_absolute_url())

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item._meta.verbose_name]
