"""Run under the production settings in a subprocess by tests/test_deploy.py: prints what the stack answers.

The settings module is imported once per process, so production settings cannot be tried inside the test
run itself. The database and static files are the test's temporary ones (DATABASE_URL, DJANGO_STATIC_ROOT).
"""

import json
import re

import django


def main():
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    get_user_model().objects.filter(username="probe").delete()
    get_user_model().objects.create_superuser("probe", "probe@example.org", "a long probe passphrase")
    client = Client()
    http_home = client.get("/")
    http_health = client.get("/healthz")
    home = client.get("/", secure=True)
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home.content.decode()).group(1)
    css = client.get(stylesheet, secure=True, headers={"accept-encoding": "gzip"})
    client.get("/admin/login/", secure=True)
    login = client.post("/admin/login/", {"username": "probe", "password": "a long probe passphrase"}, secure=True)
    cache.set("probe", "cached")
    cookies = {
        name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
        for name, morsel in client.cookies.items()
    }
    print(
        json.dumps(
            {
                "debug": settings.DEBUG,
                "database": str(settings.DATABASES["default"]["NAME"]),
                "cache_backend": settings.CACHES["default"]["BACKEND"],
                "cache_works": cache.get("probe") == "cached",
                "http_home": [http_home.status_code, http_home.get("Location", "")],
                "http_health": http_health.status_code,
                "home": home.status_code,
                "hsts": home.get("Strict-Transport-Security", ""),
                "stylesheet": stylesheet,
                "css": [css.status_code, css.get("Content-Encoding", ""), css.get("Cache-Control", "")],
                "login": login.status_code,
                "cookies": cookies,
            }
        )
    )


if __name__ == "__main__":
    main()
