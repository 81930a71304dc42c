from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config.health import healthz, readyz
from orders.views import order_pay_page

health_urls = [path("healthz", healthz), path("readyz", readyz)]

urlpatterns = [
    *health_urls,
    path("admin/", admin.site.urls),
    path("techaven/api/", include("storefronts.techaven.urls")),
    path("cryptoshop/api/", include("storefronts.cryptoshop.urls")),
    path("seller/api/", include("storefronts.seller.urls")),
    # an order's payment page, which leads to the provider's (orders.services.payment)
    path("pay/<str:order_id>", order_pay_page, name="order-pay"),
    # payment provider pages and callbacks
    path("pay/", include("wallet.urls")),
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"
