import os

from django.core.wsgi import get_wsgi_application

from kerman_site.database import serve_existing_files_only

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kerman_site.settings.prod")

application = get_wsgi_application()

# Before any request: a web process never creates a database file (kerman_site/database.py).
serve_existing_files_only()

from events.signals import follow_the_database_files  # noqa: E402 (needs the apps loaded)

follow_the_database_files()
