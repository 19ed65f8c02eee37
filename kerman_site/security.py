"""Who is asking: the client's address as django-axes counts failed logins by it."""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the
    entry that many places from the right was written by our own proxy; entries left of it are the
    client's to forge. Behind a proxy, without this every client would share the proxy's address.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
