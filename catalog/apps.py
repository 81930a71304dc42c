from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from accounts.hooks import public_profile_changed_register
        from catalog import pagecache

        # a seller's username or avatar is on their cards
        public_profile_changed_register(pagecache.catalog_changed)
