"""The address of the person behind the request, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind a reverse proxy every request comes from the proxy's address: counting failures per (user name,
127.0.0.1) let five wrong passwords from anyone lock the real user out (issue 15). Each trusted proxy appends the
address it received the request from to X-Forwarded-For, so with PROXY_COUNT proxies the client is the entry
PROXY_COUNT from the end; entries further left were written by the client itself and are never trusted.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
