from django.apps import AppConfig


class StorefrontsConfig(AppConfig):
    name = "storefronts"
    verbose_name = "Storefront conventions"
