"""Failed sign-ins at the password forms (the admin's, the seller back office's) lock out.

django-axes counts the failures Django's `authenticate()` reports and refuses a locked
caller before any password is checked. It compares every lockout group with one limit;
`LoginLockoutHandler` gives each group its own (`LOGIN_FAILURE_LIMITS`): a username from
one address is locked soon, an address or a username on its own only after more failures,
so that one guesser cannot lock the owner out from elsewhere, yet neither spraying many
accounts from one address nor guessing one account from many addresses goes unchecked.
The storefront APIs sign in without `authenticate()` and keep their own rate limits.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _group(parameter: str | list[str]) -> str:
    return parameter if isinstance(parameter, str) else "+".join(parameter)


class LoginLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count towards the lock, on the scale of `AXES_FAILURE_LIMIT`.

        axes locks when this reaches `AXES_FAILURE_LIMIT`; each group's count is scaled so
        that it does exactly when the group reaches its own limit."""
        scale = get_failure_limit(request, credentials)
        groups = get_lockout_parameters(request, credentials)
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return max(
            count * scale // settings.LOGIN_FAILURE_LIMITS[_group(group)]
            for group, count in zip(groups, counts, strict=True)
        )


def lockout_response(
    request: HttpRequest, original_response: object = None, credentials: object = None
) -> HttpResponse:
    """429 with a page that says why and for how long (`AXES_LOCKOUT_CALLABLE`).

    Neither optional argument is used: axes passes them in a different order on its
    asynchronous path (8.3.1's `AxesMiddleware.__acall__`)."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60)
    response = render(
        request, "accounts/login_locked.html", {"minutes": minutes, "retry": request.path},
        status=429,
    )  # fmt: skip
    # every try during the lock starts the cool-off again (axes' default)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response
