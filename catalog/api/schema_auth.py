"""OpenAPI descriptions of the storefronts' authentication classes.

These belong with the storefront conventions (`storefronts/`); they live here until the
lead moves them, because the schema must build without warnings for the catalog's
public endpoints. Registering an extension twice is harmless (the last one wins).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TechavenJWTScheme(OpenApiAuthenticationExtension):
    target_class = "storefronts.techaven.auth.TechavenJWTAuthentication"
    name = "TechavenBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class CryptoShopTokenScheme(OpenApiAuthenticationExtension):
    target_class = "storefronts.cryptoshop.auth.CryptoShopTokenAuthentication"
    name = "CryptoShopBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
