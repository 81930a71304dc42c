import factory
from django.utils import timezone

from accounts.models import Address, PaymentMethod, User
from core.storefront import Storefront

DEFAULT_PASSWORD = "secret123"


class TechavenUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    storefront = Storefront.TECHAVEN
    username = factory.Sequence(lambda n: f"th_user_{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.mw")
    full_name = factory.Faker("name")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(DEFAULT_PASSWORD)


class CryptoShopUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    storefront = Storefront.CRYPTOSHOP
    username = factory.Sequence(lambda n: f"user_{1700000000000 + n}")


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    storefront = None
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.django.Password(DEFAULT_PASSWORD)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(TechavenUserFactory)
    label = "Home"
    full_name = factory.LazyAttribute(lambda a: a.user.full_name or "John Doe")
    phone = "+265991234567"
    address_line_1 = "123 Main Street"
    address_line_2 = "Area 47"
    city = "Lilongwe"
    state = "Central Region"
    country = "Malawi"


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    user = factory.SubFactory(TechavenUserFactory)
    type = PaymentMethod.Type.MOBILE_MONEY
    provider = "Airtel Money"
    phone_number = "+265991234567"
