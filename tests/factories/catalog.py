import factory
from django.utils.text import slugify

from catalog.models import Category, Product, ProductImage, Review, Shop
from core.storefront import Storefront
from tests.factories.accounts import CryptoShopUserFactory, TechavenUserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    storefront = Storefront.TECHAVEN
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda c: slugify(c.name))


class ShopFactory(factory.django.DjangoModelFactory):
    """A Techaven vendor by default; use `CryptoShopSellerFactory` for CryptoShop."""

    class Meta:
        model = Shop

    storefront = Storefront.TECHAVEN
    owner = factory.SubFactory(TechavenUserFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.LazyAttribute(lambda s: slugify(s.name))
    location = "Lilongwe"


class CryptoShopSellerFactory(ShopFactory):
    storefront = Storefront.CRYPTOSHOP
    owner = factory.SubFactory(CryptoShopUserFactory)
    response_time = "2 hours"


class ProductFactory(factory.django.DjangoModelFactory):
    """A Techaven product priced in MWK by default."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    storefront = Storefront.TECHAVEN
    shop = factory.SubFactory(ShopFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda p: slugify(p.name))
    currency = "MWK"
    price_minor = 100_000
    stock_quantity = 10

    @factory.post_generation
    def search_index(self, create, extracted, **kwargs):
        # the services write the search document; factories write rows directly
        if create:
            index_for_search(self)


class CryptoShopProductFactory(ProductFactory):
    """Priced in BTC (satoshis) with a EUR price in cents."""

    storefront = Storefront.CRYPTOSHOP
    shop = factory.SubFactory(CryptoShopSellerFactory)
    category = factory.SubFactory(CategoryFactory, storefront=Storefront.CRYPTOSHOP)
    currency = "BTC"
    price_minor = 250_000  # 0.0025 BTC
    price_eur_minor = 8_999  # 89.99 EUR
    stock_quantity = 999


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    url = factory.Sequence(lambda n: f"https://example.com/image{n}.jpg")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(TechavenUserFactory)
    rating = 5
    title = "Great"
    comment = "Works well."


def index_for_search(*products: Product) -> None:
    """Factories write rows directly; search documents are written by the services."""
    from catalog.search import reindex_products

    reindex_products([p.pk for p in products])
