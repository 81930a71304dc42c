"""URL confs the schema generator walks: the paths exactly as each document writes them."""

from django.urls import include, path

urlpatterns = [path("api/", include("storefronts.techaven.urls"))]
