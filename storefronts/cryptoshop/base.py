"""CryptoShop conventions: `{success, data, message?, pagination?}` envelope,
`{success, error, code, details}` errors, 100 per 15 min per IP, 1000 per 15 min per user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework.response import Response

from core.money import Currency, minor_to_decimal
from core.paging import Page
from storefronts import ratelimit
from storefronts.base import StorefrontView, UnknownEndpointMixin, client_ip
from storefronts.errors import Problem
from storefronts.pagination import page_params
from storefronts.schema import CryptoShopAutoSchema

from .auth import CryptoShopTokenAuthentication, IsCryptoShopUser

WINDOW = 15 * 60
ANONYMOUS_RULE = ratelimit.Rule("cs:ip", 100, WINDOW)
USER_RULE = ratelimit.Rule("cs:user", 1000, WINDOW)
DEFAULT_LIMIT = 12


def pagination_block(page: Page) -> dict[str, int]:
    return {"page": page.number, "limit": page.size, "total": page.total, "pages": page.pages}


def btc(amount_minor: int | None) -> Decimal | None:
    """Satoshis as the contract's BTC amount (8 decimals); None stays None."""
    return None if amount_minor is None else minor_to_decimal(amount_minor, Currency.BTC)


def eur(amount_minor: int | None) -> Decimal | None:
    """Euro cents as the contract's EUR amount; None stays None."""
    return None if amount_minor is None else minor_to_decimal(amount_minor, Currency.EUR)


class CryptoShopView(StorefrontView):
    storefront = "cryptoshop"
    authentication_classes = [CryptoShopTokenAuthentication]
    permission_classes = [IsCryptoShopUser]
    schema = CryptoShopAutoSchema()
    # True on the few endpoints the bare access token opens once 2FA is on
    allow_before_second_factor = False

    @property
    def payload(self) -> dict[str, Any]:
        """The request body, unwrapped from `{"access_token", "data"}` when sent that way."""
        data = self.request.data
        if not isinstance(data, dict):
            return {}
        if "access_token" in data and isinstance(data.get("data"), dict):
            return data["data"]
        return {k: v for k, v in data.items() if k != "access_token"}

    def ok(
        self,
        data: Any = None,
        *,
        message: str | None = None,
        status: int = 200,
        page: Page | None = None,
    ) -> Response:
        body: dict[str, Any] = {"success": True}
        if data is not None or message is None:
            body["data"] = data
        if message is not None:
            body["message"] = message
        if page is not None:
            body["pagination"] = pagination_block(page)
        return Response(body, status=status)

    def page_params(self, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
        return page_params(self.request.query_params, default_limit=default_limit)

    @classmethod
    def problem_body(cls, problem: Problem) -> dict[str, Any]:
        return {
            "success": False,
            "error": problem.message,
            "code": problem.code,
            "details": problem.details,
        }

    def rate_limit_rule(self, request) -> tuple[ratelimit.Rule, str]:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return USER_RULE, f"user:{user.pk}"
        return ANONYMOUS_RULE, f"ip:{client_ip(request)}"


class CryptoShopUnknownEndpoint(UnknownEndpointMixin, CryptoShopView):
    pass
