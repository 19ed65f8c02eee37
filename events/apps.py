from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Incident archive"

    def ready(self):
        from . import signals

        signals.connect()
