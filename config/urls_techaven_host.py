from django.urls import include, path

from config.urls import health_urls

urlpatterns = [*health_urls, path("api/", include("storefronts.techaven.urls"))]
