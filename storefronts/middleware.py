"""Host mapping: a Host in TECHAVEN_HOSTS / CRYPTOSHOP_HOSTS gets that storefront at `/api/...`."""

from django.conf import settings


class StorefrontHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.hosts = {h.lower(): "config.urls_techaven_host" for h in settings.TECHAVEN_HOSTS}
        self.hosts.update(
            {h.lower(): "config.urls_cryptoshop_host" for h in settings.CRYPTOSHOP_HOSTS}
        )

    def __call__(self, request):
        if self.hosts:
            host = request.get_host().rsplit(":", 1)[0].lower()
            urlconf = self.hosts.get(host)
            if urlconf:
                request.urlconf = urlconf
        return self.get_response(request)
