"""Test-only endpoints mounted in front of the real URL conf (`@pytest.mark.urls`)."""

from django.urls import path
from rest_framework.permissions import AllowAny

from config.urls import urlpatterns as real_urlpatterns
from storefronts.cryptoshop.base import CryptoShopView
from storefronts.pagination import paginate
from storefronts.techaven.base import TechavenView

CALLS: list[dict] = []


class CryptoShopBoom(CryptoShopView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


class TechavenBoom(TechavenView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


class TechavenProtected(TechavenView):
    """Stands in for `GET /api/user/profile`, which lives on the Techaven helper's branch."""

    def get(self, request):
        return self.ok({"id": request.user.pk})


class TechavenEcho(TechavenView):
    permission_classes = [AllowAny]

    def post(self, request):
        return self.ok(dict(request.data))


class CryptoShopProtected(CryptoShopView):
    def get(self, request):
        return self.ok({"id": request.user.pk})


class CryptoShopList(CryptoShopView):
    permission_classes = [AllowAny]

    def get(self, request):
        page_number, limit = self.page_params()
        page = paginate(list(range(250)), page=page_number, limit=limit)
        return self.ok(list(page.items), page=page)


class CryptoShopCounter(CryptoShopView):
    """A mutating endpoint that records each time it really runs."""

    permission_classes = [AllowAny]

    def post(self, request):
        CALLS.append({"user": request.user.pk, "body": dict(self.payload)})
        if self.payload.get("fail"):
            raise RuntimeError("downstream failure")
        return self.ok({"run": len(CALLS)}, status=201)


urlpatterns = [
    path("cryptoshop/api/test/boom", CryptoShopBoom.as_view()),
    path("cryptoshop/api/test/protected", CryptoShopProtected.as_view()),
    path("cryptoshop/api/test/list", CryptoShopList.as_view()),
    path("cryptoshop/api/test/counter", CryptoShopCounter.as_view()),
    path("techaven/api/test/boom", TechavenBoom.as_view()),
    path("techaven/api/test/protected", TechavenProtected.as_view()),
    path("techaven/api/test/echo", TechavenEcho.as_view()),
    *real_urlpatterns,
]
