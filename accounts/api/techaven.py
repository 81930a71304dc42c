"""Techaven contract, sections 1 (Authentication), 2 (User Management), 9 (Shipping Addresses)
and 10 (Payment Methods)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from accounts.models import Address, EmailOTP, PaymentMethod, User
from accounts.selectors import address_list, payment_method_list
from accounts.services import addresses, payment_methods, profile, techaven_auth
from core.ids import TechavenIds
from storefronts.answer_fields import PublicIdField
from storefronts.base import media_url
from storefronts.techaven.base import TechavenView
from wallet.services import WALLET_LABEL

OTP_SENT = "OTP sent to email"


def _otp_body(*extra: str) -> dict:
    """Raw request schema for the OTP endpoints: kept inline so that their `type` enum does
    not collide with the payment-method `type` enum when components are named."""
    properties = {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "type": {"type": "string", "enum": [p.value for p in EmailOTP.Purpose]},
    }
    if "otp" in extra:
        properties["otp"] = {"type": "string", "pattern": "^\\d{6}$", "maxLength": 6}
    return {
        "application/json": {
            "type": "object",
            "properties": properties,
            "required": ["email", "type", *extra],
        }
    }


# --- rendering ---------------------------------------------------------------
class UserSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.USER)
    full_name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_phone(self, user: User) -> str | None:
        return user.phone or None

    def get_avatar_url(self, user: User) -> str | None:
        return media_url(self.context["request"], user.avatar)


class ProfileSerializer(UserSerializer):
    date_of_birth = serializers.DateField(allow_null=True)
    gender = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_gender(self, user: User) -> str | None:
        return user.gender or None


class UpdatedProfileSerializer(ProfileSerializer):
    created_at = None  # the document's update response leaves it out


class RegisteredSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    email = serializers.EmailField()


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField()


class TokensSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField()


class SignedInSerializer(TokensSerializer):
    user = UserSerializer()


class ResetGrantSerializer(serializers.Serializer):
    reset_token = serializers.CharField()


def _tokens(pair) -> dict:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
    }


# --- input -------------------------------------------------------------------
class FullNameField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value.split()) < 2:
            raise serializers.ValidationError("Full name must contain at least 2 words.")
        return " ".join(value.split())


class PasswordField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)


class RegisterIn(serializers.Serializer):
    full_name = FullNameField()
    email = serializers.EmailField(max_length=254)
    password = PasswordField(min_length=6)


class LoginIn(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = PasswordField()


class VerifyOtpIn(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    otp = serializers.RegexField(
        r"^\d{6}$",
        max_length=6,
        error_messages={
            "invalid": "The OTP is a 6-digit code.",
            "max_length": "The OTP is a 6-digit code.",
        },
    )
    type = serializers.ChoiceField(choices=EmailOTP.Purpose.choices)


class ResendOtpIn(serializers.Serializer):
    # an address, as its schema says: the answer echoes it (`{"email": 0}` echoed "0")
    email = serializers.EmailField(max_length=254)
    type = serializers.ChoiceField(choices=EmailOTP.Purpose.choices)


class ForgotPasswordIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ResetPasswordIn(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    reset_token = serializers.CharField(max_length=255)
    new_password = PasswordField()


class RefreshIn(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class ProfileIn(serializers.Serializer):
    full_name = FullNameField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(
        choices=User.Gender.choices, required=False, allow_blank=True, allow_null=True
    )


class AvatarIn(serializers.Serializer):
    avatar = serializers.FileField()


class AvatarSerializer(serializers.Serializer):
    avatar_url = serializers.CharField()


class ChangePasswordIn(serializers.Serializer):
    current_password = PasswordField()
    new_password = PasswordField()


class DeleteAccountIn(serializers.Serializer):
    password = PasswordField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class AddressIn(serializers.Serializer):
    label = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32)
    address_line_1 = serializers.CharField(max_length=255)
    address_line_2 = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default=""
    )
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="Malawi"
    )
    is_default = serializers.BooleanField(required=False, default=False)


class AddressSerializer(serializers.ModelSerializer):
    id = PublicIdField(TechavenIds.ADDRESS)

    class Meta:
        model = Address
        fields = [
            "id",
            "label",
            "full_name",
            "phone",
            "address_line_1",
            "address_line_2",
            "city",
            "state",
            "postal_code",
            "country",
            "is_default",
            "created_at",
        ]


class AddressListSerializer(serializers.Serializer):
    addresses = AddressSerializer(many=True)


class AddressCreatedSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    full_name = serializers.CharField()
    is_default = serializers.BooleanField()


class IdSerializer(serializers.Serializer):
    id = serializers.CharField()


class PaymentMethodIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=PaymentMethod.Type.choices)
    provider = serializers.CharField(max_length=50)
    phone_number = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=32
    )
    account_number = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=40
    )
    is_default = serializers.BooleanField(required=False, default=False)


class PaymentMethodSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.PAYMENT_METHOD)
    type = serializers.CharField()
    provider = serializers.CharField()
    phone_number = serializers.CharField(allow_null=True)
    account_number = serializers.CharField(
        required=False, help_text="Bank transfer only: the last 4 digits, the rest masked."
    )
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def to_representation(self, method: PaymentMethod) -> dict:
        data = super().to_representation(method)
        if method.type == PaymentMethod.Type.BANK_TRANSFER:
            data["phone_number"] = None
            data["account_number"] = (
                "*" * max(0, len(method.account_number) - 4) + (method.account_number[-4:])
            )
        else:
            data.pop("account_number", None)
        return data


class ProviderSerializer(serializers.Serializer):
    type = serializers.CharField()
    provider = serializers.CharField()
    icon = serializers.CharField()


class PaymentMethodListSerializer(serializers.Serializer):
    payment_methods = PaymentMethodSerializer(many=True)
    available_providers = ProviderSerializer(many=True)


# --- 1. Authentication -------------------------------------------------------
class AuthView(TechavenView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # a stale token must not get in the way of signing in
    rate_limit_scope = "auth"

    def otp_sent(self, user):
        """Sign-up's and sign-in's answer: the account a code was e-mailed for."""
        return self.ok(
            {"user_id": TechavenIds.USER(user.uid), "email": user.email}, message=OTP_SENT
        )


class RegisterView(AuthView):
    @extend_schema(request=RegisterIn, responses={200: RegisteredSerializer})
    def post(self, request):
        return self.otp_sent(
            techaven_auth.techaven_user_register(**self.validated_body(RegisterIn))
        )


class LoginView(AuthView):
    @extend_schema(request=LoginIn, responses={200: RegisteredSerializer})
    def post(self, request):
        return self.otp_sent(techaven_auth.techaven_login_start(**self.validated_body(LoginIn)))


class VerifyOtpView(AuthView):
    issues_credentials = True  # never kept for an Idempotency-Key replay

    @extend_schema(
        request=_otp_body("otp"),
        responses={
            200: PolymorphicProxySerializer(
                component_name="VerifyOtpResult",
                serializers=[SignedInSerializer, ResetGrantSerializer],
                resource_type_field_name=None,
            )
        },
        description="`signup`/`login` answer with the user and a token pair; "
        "`password_reset` with a single-use `reset_token` (15 minutes).",
    )
    def post(self, request):
        data = self.validated_body(VerifyOtpIn)
        result = techaven_auth.techaven_otp_verify(
            email=data["email"], code=data["otp"], purpose=data["type"]
        )
        if isinstance(result, techaven_auth.ResetGrant):
            return self.ok({"reset_token": result.reset_token}, message="OTP verified")
        user = UserSerializer(result.user, context={"request": request}).data
        return self.ok({"user": user, **_tokens(result.tokens)}, message="Verification successful")


class ResendOtpView(AuthView):
    @extend_schema(request=_otp_body(), responses={200: EmailSerializer})
    def post(self, request):
        data = self.validated_body(ResendOtpIn)
        techaven_auth.techaven_otp_resend(email=data["email"], purpose=data["type"])
        return self.ok({"email": data["email"]}, message="OTP sent successfully")


class ForgotPasswordView(AuthView):
    @extend_schema(request=ForgotPasswordIn, responses={200: EmailSerializer})
    def post(self, request):
        data = self.validated_body(ForgotPasswordIn)
        user = techaven_auth.techaven_password_forgot(email=data["email"])
        return self.ok({"email": user.email}, message="Password reset OTP sent")


class ResetPasswordView(AuthView):
    @extend_schema(request=ResetPasswordIn, responses={200: None})
    def post(self, request):
        data = self.validated_body(ResetPasswordIn)
        techaven_auth.techaven_password_reset(**data)
        return self.ok(None, message="Password reset successful")


class RefreshTokenView(AuthView):
    issues_credentials = True  # never kept for an Idempotency-Key replay

    @extend_schema(request=RefreshIn, responses={200: TokensSerializer})
    def post(self, request):
        data = self.validated_body(RefreshIn)
        pair = techaven_auth.techaven_token_refresh(refresh_token=data["refresh_token"])
        return self.ok(_tokens(pair), message="Token refreshed")


class LogoutView(TechavenView):
    rate_limit_scope = "auth"

    @extend_schema(request=None, responses={200: None})
    def post(self, request):
        techaven_auth.techaven_logout(session=request.login_session)
        return self.ok(None, message="Logged out successfully")


# --- 2. User management ------------------------------------------------------
class ProfileView(TechavenView):
    @extend_schema(responses={200: ProfileSerializer})
    def get(self, request):
        data = ProfileSerializer(request.user, context={"request": request}).data
        return self.ok(data, message="Profile retrieved")

    @extend_schema(request=ProfileIn, responses={200: UpdatedProfileSerializer})
    def put(self, request):
        data = self.validated_body(ProfileIn)
        user = profile.profile_update(user=request.user, changes=profile.ProfileChanges(**data))
        body = UpdatedProfileSerializer(user, context={"request": request}).data
        return self.ok(body, message="Profile updated successfully")


class AvatarView(TechavenView):
    @extend_schema(request={"multipart/form-data": AvatarIn}, responses={200: AvatarSerializer})
    def post(self, request):
        upload = self.validated_body(AvatarIn)["avatar"]
        user = profile.profile_avatar_set(user=request.user, data=upload.read())
        return self.ok(
            {"avatar_url": media_url(request, user.avatar)},
            message="Avatar uploaded successfully",
        )


class PasswordView(TechavenView):
    @extend_schema(request=ChangePasswordIn, responses={200: None})
    def put(self, request):
        data = self.validated_body(ChangePasswordIn)
        profile.password_change(
            user=request.user, keep_session=getattr(request, "login_session", None), **data
        )
        return self.ok(None, message="Password changed successfully")


class AccountView(TechavenView):
    @extend_schema(request=DeleteAccountIn, responses={200: None})
    def delete(self, request):
        data = self.validated_body(DeleteAccountIn)
        profile.account_delete(user=request.user, **data)
        return self.ok(None, message="Account deleted successfully")


# --- 9. Shipping addresses ---------------------------------------------------
def _address_uid(address_id: str) -> str | None:
    return TechavenIds.ADDRESS.parse(address_id)


class AddressesView(TechavenView):
    @extend_schema(responses={200: AddressListSerializer})
    def get(self, request):
        items = AddressSerializer(address_list(user=request.user), many=True).data
        return self.ok({"addresses": items}, message="Addresses retrieved")

    @extend_schema(request=AddressIn, responses={201: AddressCreatedSerializer})
    def post(self, request):
        data = self.validated_body(AddressIn)
        address = addresses.address_create(user=request.user, data=addresses.AddressInput(**data))
        body = {
            "id": TechavenIds.ADDRESS(address.uid),
            "label": address.label,
            "full_name": address.full_name,
            "is_default": address.is_default,
        }
        return self.ok(body, message="Address added successfully", status=201)


class AddressView(TechavenView):
    @extend_schema(request=AddressIn, responses={200: IdSerializer})
    def put(self, request, address_id: str):
        data = self.validated_body(AddressIn)
        address = addresses.address_update(
            user=request.user, uid=_address_uid(address_id), data=addresses.AddressInput(**data)
        )
        return self.ok(
            {"id": TechavenIds.ADDRESS(address.uid)}, message="Address updated successfully"
        )

    @extend_schema(request=None, responses={200: None})
    def delete(self, request, address_id: str):
        addresses.address_delete(user=request.user, uid=_address_uid(address_id))
        return self.ok(None, message="Address deleted successfully")


class AddressDefaultView(TechavenView):
    @extend_schema(request=None, responses={200: IdSerializer})
    def post(self, request, address_id: str):
        address = addresses.address_set_default(user=request.user, uid=_address_uid(address_id))
        return self.ok({"id": TechavenIds.ADDRESS(address.uid)}, message="Default address updated")


# --- 10. Payment methods -----------------------------------------------------
class PaymentMethodsView(TechavenView):
    @extend_schema(responses={200: PaymentMethodListSerializer})
    def get(self, request):
        methods = PaymentMethodSerializer(payment_method_list(user=request.user), many=True).data
        providers = [
            {"type": p.type, "provider": p.provider, "icon": p.icon}
            for p in payment_methods.PROVIDERS
        ]
        # the Techaven wallet pays too (`payment_method_id: "wallet"` at checkout)
        providers.append({"type": "wallet", "provider": WALLET_LABEL, "icon": "wallet"})
        return self.ok(
            {"payment_methods": methods, "available_providers": providers},
            message="Payment methods retrieved",
        )

    @extend_schema(request=PaymentMethodIn, responses={201: IdSerializer})
    def post(self, request):
        data = self.validated_body(PaymentMethodIn)
        data["phone_number"] = data.get("phone_number") or ""
        data["account_number"] = data.get("account_number") or ""
        method = payment_methods.payment_method_create(
            user=request.user, data=payment_methods.PaymentMethodInput(**data)
        )
        return self.ok(
            {"id": TechavenIds.PAYMENT_METHOD(method.uid)},
            message="Payment method added",
            status=201,
        )


class PaymentMethodView(TechavenView):
    @extend_schema(request=None, responses={200: None})
    def delete(self, request, payment_method_id: str):
        payment_methods.payment_method_delete(
            user=request.user, uid=TechavenIds.PAYMENT_METHOD.parse(payment_method_id)
        )
        return self.ok(None, message="Payment method deleted")


urlpatterns = [
    path("auth/register", RegisterView.as_view()),
    path("auth/login", LoginView.as_view()),
    path("auth/verify-otp", VerifyOtpView.as_view()),
    path("auth/resend-otp", ResendOtpView.as_view()),
    path("auth/forgot-password", ForgotPasswordView.as_view()),
    path("auth/reset-password", ResetPasswordView.as_view()),
    path("auth/refresh-token", RefreshTokenView.as_view()),
    path("auth/logout", LogoutView.as_view()),
    path("user/profile", ProfileView.as_view()),
    path("user/avatar", AvatarView.as_view()),
    path("user/password", PasswordView.as_view()),
    path("user/account", AccountView.as_view()),
    path("addresses", AddressesView.as_view()),
    path("addresses/<str:address_id>", AddressView.as_view()),
    path("addresses/<str:address_id>/default", AddressDefaultView.as_view()),
    path("payment-methods", PaymentMethodsView.as_view()),
    path("payment-methods/<str:payment_method_id>", PaymentMethodView.as_view()),
]
