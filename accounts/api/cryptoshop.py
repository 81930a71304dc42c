"""CryptoShop contract, "Authentication Endpoints"."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from accounts.services.cryptoshop_auth import (
    cryptoshop_2fa_setup,
    cryptoshop_2fa_verify,
    cryptoshop_login,
    cryptoshop_logout,
    cryptoshop_user_register,
)
from core.ids import CryptoShopIds
from storefronts.cryptoshop.auth import CryptoShopAuth
from storefronts.cryptoshop.base import CryptoShopView


def user_id(user) -> str:
    return CryptoShopIds.USER(user.uid)


class RegisteredUserSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    accessToken = serializers.CharField(source="access_token")
    username = serializers.CharField(source="user.username")
    twoFactorEnabled = serializers.BooleanField(source="user.two_factor_enabled")
    createdAt = serializers.DateTimeField(source="user.created_at")

    def get_id(self, account) -> str:
        return user_id(account.user)


class RegisterView(CryptoShopView):
    issues_credentials = True  # never kept for an Idempotency-Key replay
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=None, responses={201: RegisteredUserSerializer})
    def post(self, request):
        account = cryptoshop_user_register()
        return self.ok(RegisteredUserSerializer(account).data, status=201)


class LoginInSerializer(serializers.Serializer):
    accessToken = serializers.CharField(max_length=200, trim_whitespace=True)
    rememberDevice = serializers.BooleanField(required=False, default=False)


class LoginUserSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    username = serializers.CharField()
    twoFactorEnabled = serializers.BooleanField(source="two_factor_enabled")

    def get_id(self, user) -> str:
        return user_id(user)


class LoginOutSerializer(serializers.Serializer):
    user = LoginUserSerializer()
    requires2FA = serializers.BooleanField()


class LoginView(CryptoShopView):
    permission_classes = [AllowAny]
    # the token to check is the one in the body; a stale header must not get in the way
    authentication_classes: list = []

    @extend_schema(request=LoginInSerializer, responses={200: LoginOutSerializer})
    def post(self, request):
        data = dict(self.payload)
        if "accessToken" not in data and isinstance(request.data, dict):
            # `{"access_token": "..."}` alone, the body-authentication shape
            token = request.data.get("access_token")
            if isinstance(token, str):
                data["accessToken"] = token
        form = LoginInSerializer(data=data)
        form.is_valid(raise_exception=True)
        user = cryptoshop_login(
            access_token=form.validated_data["accessToken"],
            remember=form.validated_data["rememberDevice"],
        )
        return self.ok(
            LoginOutSerializer({"user": user, "requires2FA": user.two_factor_enabled}).data
        )


class TwoFactorSetupSerializer(serializers.Serializer):
    secret = serializers.CharField()
    qrCodeUrl = serializers.CharField(source="qr_code_url")


class TwoFactorSetupInSerializer(serializers.Serializer):
    currentCode = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Addition to the document: once 2FA is on, a current 6-digit TOTP code or a "
        "backup code (spent by this request). Not needed to turn 2FA on the first time.",
    )


class TwoFactorSetupView(CryptoShopView):
    issues_credentials = True  # never kept for an Idempotency-Key replay
    # when 2FA is already on, re-keying it wants the session (the default gate) and a
    # current code (the service)

    @extend_schema(
        request=TwoFactorSetupInSerializer,
        responses={200: TwoFactorSetupSerializer},
        description="With 2FA on, send the session token and `currentCode`; a wrong or missing "
        "code answers 400 `TWO_FACTOR_CODE_INVALID` (`details.currentCode`) and counts towards "
        "the verify lock. The new secret opens nothing until a code from it is verified with "
        "the session token.",
    )
    def post(self, request):
        form = self.validated_body(TwoFactorSetupInSerializer)
        setup = cryptoshop_2fa_setup(user=request.user, current_code=form.get("currentCode"))
        return self.ok(TwoFactorSetupSerializer(setup).data)


class TwoFactorVerifyInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=32, help_text="6-digit TOTP code or a backup code")
    rememberDevice = serializers.BooleanField(required=False, allow_null=True, default=None)


class TwoFactorVerifyOutSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    backupCodes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only on the verify that turns 2FA on or confirms a re-keyed secret (sent "
        "with the session token); each code works once.",
    )
    sessionToken = serializers.CharField(
        help_text="Send as the Bearer token: it opens every endpoint once 2FA is on."
    )


class TwoFactorVerifyView(CryptoShopView):
    issues_credentials = True  # never kept for an Idempotency-Key replay
    allow_before_second_factor = True

    @extend_schema(
        request=TwoFactorVerifyInSerializer, responses={200: TwoFactorVerifyOutSerializer}
    )
    def post(self, request):
        form = self.validated_body(TwoFactorVerifyInSerializer)
        auth = request.auth
        result = cryptoshop_2fa_verify(
            user=request.user,
            code=form["token"],
            remember=form["rememberDevice"],
            session=auth.session if isinstance(auth, CryptoShopAuth) else None,
        )
        data = {"verified": True}
        if result.backup_codes is not None:
            data["backupCodes"] = result.backup_codes
        data["sessionToken"] = result.session_token
        return self.ok(data)


class LogoutView(CryptoShopView):
    allow_before_second_factor = True

    @extend_schema(request=None, responses={200: None})
    def post(self, request):
        auth = request.auth
        cryptoshop_logout(session=auth.session if isinstance(auth, CryptoShopAuth) else None)
        return self.ok(message="Logged out successfully")


urlpatterns = [
    path("auth/register", RegisterView.as_view()),
    path("auth/login", LoginView.as_view()),
    path("auth/2fa/setup", TwoFactorSetupView.as_view()),
    path("auth/2fa/verify", TwoFactorVerifyView.as_view()),
    path("auth/logout", LogoutView.as_view()),
]
