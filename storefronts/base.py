"""The base view every storefront endpoint stands on.

It carries what both storefronts do the same way: JSON in and out, the
request-size limit, rate limits with `X-RateLimit-*` headers on every response,
idempotency keys, and one exception path. Each storefront subclass supplies its
body format (`render_problem`, `ok`), its authentication and its rate rules.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.conf import settings
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from . import idempotency, ratelimit
from .errors import PayloadTooLarge, Problem, problem_from
from .parsers import FormParser, JSONParser, MultiPartParser

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The caller's address; X-Forwarded-For is trusted only behind `NUM_PROXIES` proxies."""
    num_proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(num_proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or "unknown"


def media_url(request, field) -> str | None:
    """An uploaded file's absolute URL; None when there is none (and its path, without a
    request to build the address from)."""
    if not field:
        return None
    return request.build_absolute_uri(field.url) if request is not None else field.url


class StorefrontView(APIView):
    storefront: ClassVar[str]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]
    # which of the storefront's rate rules applies to this endpoint
    rate_limit_scope: ClassVar[str] = "general"
    # True on endpoints whose answer hands out credentials (tokens, TOTP secrets, backup or
    # reset codes): every answer is `Cache-Control: no-store`, so no cache and no
    # idempotency record keeps it, and an Idempotency-Key retry runs again
    issues_credentials: ClassVar[bool] = False

    @property
    def payload(self) -> Any:
        """The request body as the storefront sends it (CryptoShop unwraps an envelope)."""
        return self.request.data

    def validated_body(self, serializer_class: type[Any], **kwargs: Any) -> Any:
        """The request body through `serializer_class`: its validated data (invalid: the
        storefront's 400 through the one exception path)."""
        serializer = serializer_class(data=self.payload, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # --- to be supplied by each storefront ---------------------------------
    @classmethod
    def problem_body(cls, problem: Problem) -> dict[str, Any]:
        """The storefront's error body; also used where no view answers (storefronts.edge)."""
        raise NotImplementedError

    def rate_limit_rule(self, request) -> tuple[ratelimit.Rule, str]:
        raise NotImplementedError

    def render_problem(self, problem: Problem) -> Response:
        return Response(self.problem_body(problem), status=problem.status)

    # --- request lifecycle (DRF's `initial` and the hooks it calls) -----------
    def initial(self, request, *args, **kwargs) -> None:
        self._check_body_size(request)
        super().initial(request, *args, **kwargs)
        fingerprint = self._idempotency_fingerprint(request)
        if fingerprint:
            self._idempotency_record = idempotency.begin(
                scope=self.idempotency_scope(request),
                key=request.headers[idempotency.HEADER],
                fp=fingerprint,
            )

    def perform_authentication(self, request) -> None:
        try:
            super().perform_authentication(request)
        except exceptions.APIException:
            # a flood of bad tokens still spends the caller's (anonymous) budget
            self.check_throttles(request)
            raise

    def check_permissions(self, request) -> None:
        # counted before permissions are checked, so refused requests spend the budget too
        # (DRF checks throttles after permissions; the second call is a no-op)
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request) -> None:
        if not settings.RATELIMIT_ENABLED or hasattr(request, "_ratelimit"):
            return
        rule, ident = self.rate_limit_rule(request)
        try:
            verdict = ratelimit.hit(rule, ident)
        except RedisError:  # the counters' store does not answer
            if rule.required:
                raise  # answered 503 (storefronts.errors)
            logger.warning("rate limit %s not counted: Redis not answering", rule.scope)
            return  # served without a limit rather than not at all
        request._ratelimit = verdict
        if not verdict.allowed:
            raise exceptions.Throttled(wait=verdict.retry_after)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.issues_credentials:
            patch_cache_control(response, no_store=True)
        verdict = getattr(request, "_ratelimit", None)
        if verdict is not None:
            for name, value in verdict.headers().items():
                response[name] = value
        return response

    def dispatch(self, request, *args, **kwargs):
        self._idempotency_record = None
        response = super().dispatch(request, *args, **kwargs)
        if self._idempotency_record is not None:
            response.render()
            idempotency.finish(self._idempotency_record, response)
        return response

    def get_exception_handler(self):
        return self._exception_handler

    def _exception_handler(self, exc: Exception, context: dict[str, Any]):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        problem = problem_from(exc)
        set_rollback()
        response = self.render_problem(problem)
        for name, value in problem.headers.items():
            response[name] = value
        return response

    # --- helpers -------------------------------------------------------------
    def idempotency_scope(self, request) -> str:
        user = request.user
        if user and user.is_authenticated:
            return f"{self.storefront}:user:{user.pk}"
        return f"{self.storefront}:ip:{client_ip(request)}"

    def _idempotency_fingerprint(self, request) -> str | None:
        if request.method not in idempotency.MUTATING:
            return None
        if idempotency.HEADER not in request.headers:
            return None
        raw = request._request
        return idempotency.fingerprint(request.method, raw.get_full_path(), raw.body)

    def _check_body_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            raise PayloadTooLarge()


class UnknownEndpointMixin:
    """The last route of a storefront: any other path under its root is a 404 in its format."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None  # not an endpoint

    def _not_found(self, request, *args, **kwargs):
        raise exceptions.NotFound("Endpoint not found")

    get = post = put = patch = delete = head = options = _not_found
