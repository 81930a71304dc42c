"""Demo accounts for both storefronts and the admin (development only)."""

from django.utils import timezone

from accounts.models import Address, PaymentMethod, User
from accounts.tokens import token_hash
from core.storefront import Storefront

DEMO_ADMIN = ("admin", "admin")
DEMO_TECHAVEN = ("demo@techaven.mw", "demo1234")
DEMO_CRYPTOSHOP_TOKEN = "cs_demo00000000_demo-access-token-for-local-development-only"


def seed() -> list[str]:
    lines = []
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN[0], defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_ADMIN[1])
        admin.save(update_fields=["password"])
    lines.append(f"admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]} at /admin/")

    email, password = DEMO_TECHAVEN
    user, created = User.objects.get_or_create(
        storefront=Storefront.TECHAVEN,
        email=email,
        defaults={
            "username": "th_demo",
            "full_name": "Chikondi Banda",
            "phone": "+265991234567",
            "email_verified_at": timezone.now(),
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    lines.append(f"Techaven user: {email} / {password} (OTP codes are printed to the console)")
    # only when the demo user has none, so that running seed_demo again adds nothing
    if not user.addresses.exists():
        Address.objects.create(
            user=user,
            label="Home",
            full_name=user.full_name or "Chikondi Banda",
            phone="+265991234567",
            address_line_1="123 Main Street",
            address_line_2="Area 47",
            city="Lilongwe",
            state="Central Region",
            country="Malawi",
            is_default=True,
        )
    if not user.payment_methods.exists():
        PaymentMethod.objects.create(
            user=user,
            type=PaymentMethod.Type.MOBILE_MONEY,
            provider="Airtel Money",
            phone_number="+265991234567",
            is_default=True,
        )

    User.objects.get_or_create(
        storefront=Storefront.CRYPTOSHOP,
        username="cryptodemo",
        defaults={"access_token_hash": token_hash(DEMO_CRYPTOSHOP_TOKEN)},
    )
    lines.append(f"CryptoShop access token: {DEMO_CRYPTOSHOP_TOKEN}")
    return lines
