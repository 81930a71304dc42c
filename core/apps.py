import warnings

from django.apps import AppConfig

# The domain apps, in dependency order: each storefront's URL root gathers their `api/`
# modules (storefronts.routing) and seed_demo runs their demo data in it (wallets before
# escrows).
DOMAIN_APPS = ("accounts", "catalog", "orders", "wallet", "escrow", "support", "notifications")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from PIL import Image

        # Pillow only warns between Image.MAX_IMAGE_PIXELS (89 MP) and twice that, and would
        # go on to decode; in a Duka process that is an error (core.images refuses far
        # below it anyway, before decoding)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
