import factory

from core.storefront import Storefront
from orders.models import Order, OrderItem
from tests.factories.accounts import TechavenUserFactory
from tests.factories.catalog import ProductFactory


class OrderFactory(factory.django.DjangoModelFactory):
    """A Techaven order row as checkout leaves it; tests that need the rules use the services."""

    class Meta:
        model = Order

    storefront = Storefront.TECHAVEN
    # a year no checkout numbers in, so no checkout's number can repeat one of these
    number = factory.Sequence(lambda n: f"TH-1999-{n + 1:04d}")
    buyer = factory.SubFactory(TechavenUserFactory)
    currency = "MWK"
    subtotal_minor = 100_000
    total_minor = 105_000
    shipping_minor = 5_000


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    shop = factory.LazyAttribute(lambda item: item.product.shop)
    product_name = factory.LazyAttribute(lambda item: item.product.name)
    unit_price_minor = factory.LazyAttribute(lambda item: item.product.price_minor)
    quantity = 1
    subtotal_minor = factory.LazyAttribute(lambda item: item.unit_price_minor * item.quantity)
