from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import UidField
from core.storefront import Storefront


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra):
        user = self.model(username=username, **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, storefront=None)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on one storefront (BRIEF decision 1), or staff on neither."""

    class Gender(models.TextChoices):
        MALE = "male"
        FEMALE = "female"
        OTHER = "other"

    uid = UidField()
    storefront = models.CharField(
        max_length=16, choices=Storefront.choices, null=True, blank=True, db_index=True
    )
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(blank=True, default="")
    full_name = models.CharField(max_length=150, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True, default="")
    avatar = models.ImageField(upload_to="avatars/", blank=True, default="")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=255, blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deletion_reason = models.CharField(max_length=500, blank=True, default="")
    # CryptoShop: the access token is the account's only credential; shown once, kept as a hash.
    access_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    two_factor_enabled = models.BooleanField(default=False)
    remember_next_session = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "email"],
                condition=~Q(email=""),
                name="user_email_unique_per_storefront",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class EmailOTP(models.Model):
    """A one-time code sent by e-mail (Techaven). Stored hashed; dies after 5 wrong tries."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup"
        LOGIN = "login"
        PASSWORD_RESET = "password_reset"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="otps")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} OTP for {self.user_id}"


class PasswordResetToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"password reset for {self.user_id}"


class LoginSession(models.Model):
    """One signed-in device.

    Techaven: every JWT carries the session's uid (`sid`); logout revokes the
    session, and with it every access and refresh token issued under it.
    CryptoShop: the session token handed out by `/auth/2fa/verify`, kept hashed.
    """

    uid = UidField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    storefront = models.CharField(max_length=16, choices=Storefront.choices)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"session {self.uid} of {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Address(models.Model):
    uid = UidField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=50, blank=True, default="")
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20)
    address_line_1 = models.CharField(max_length=255)
    address_line_2 = models.CharField(max_length=255, blank=True, default="")
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=100, default="Malawi")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label or 'Address'}: {self.address_line_1}, {self.city}"


class PaymentMethod(models.Model):
    class Type(models.TextChoices):
        MOBILE_MONEY = "mobile_money"
        BANK_TRANSFER = "bank_transfer"

    uid = UidField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="payment_methods")
    type = models.CharField(max_length=20, choices=Type.choices)
    provider = models.CharField(max_length=50)
    phone_number = models.CharField(max_length=20, blank=True, default="")
    account_number = models.CharField(max_length=34, blank=True, default="")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="one_default_payment_method_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.phone_number or self.account_number}"
