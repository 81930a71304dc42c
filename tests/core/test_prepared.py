import pytest

from catalog.models import Product
from core import prepared
from core.prepared import (
    ParametersOutOfOrder,
    attach_children,
    prepared_count,
    prepared_objects,
    prepared_rows,
)
from tests.factories.catalog import ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_statements(monkeypatch):
    monkeypatch.setattr(prepared, "_statements", {})


def _rows(key, ids, fields=("id", "name", "is_active", "specifications", "created_at")):
    return prepared_rows(
        key, lambda: Product.objects.filter(pk__in=ids).order_by("id").values_list(*fields), ids
    )


def test_rows_are_what_the_queryset_gives_converters_included():
    products = ProductFactory.create_batch(3, specifications={"ram": "8 GB"})
    ids = [p.pk for p in products]
    fields = ("id", "name", "is_active", "specifications", "created_at", "shop__name")
    expected = list(Product.objects.filter(pk__in=ids).order_by("id").values_list(*fields))
    assert _rows(("t", 3), ids, fields) == expected
    # booleans, JSON and datetimes come out as Python values on every database
    _, _, active, specs, created, _ = expected[0]
    assert active is True and specs == {"ram": "8 GB"} and created.tzinfo is not None


def test_the_sql_is_compiled_once_per_key_and_runs_with_each_calls_parameters(
    django_assert_num_queries,
):
    a, b, c = ProductFactory.create_batch(3)
    built = []

    def build(ids):
        def make():
            built.append(ids)
            return Product.objects.filter(pk__in=ids).order_by("id").values_list("name")

        return make

    assert prepared_rows(("names", 2), build([a.pk, b.pk]), [a.pk, b.pk]) == [(a.name,), (b.name,)]
    with django_assert_num_queries(1):
        rows = prepared_rows(("names", 2), build([b.pk, c.pk]), [b.pk, c.pk])
    assert rows == [(b.name,), (c.name,)]
    assert built == [[a.pk, b.pk]]  # the second call ran the kept SQL


def test_parameters_stated_out_of_order_fail_at_the_first_compile():
    product = ProductFactory(price_minor=500)

    def build():
        return Product.objects.filter(pk=product.pk, price_minor__gte=100).values_list("id")

    with pytest.raises(ParametersOutOfOrder):
        prepared_rows("swapped", build, [100, product.pk])
    assert prepared_rows("ordered", build, [product.pk, 100]) == [(product.pk,)]


def test_the_kept_shapes_are_bounded(monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 1)
    product = ProductFactory()
    for n in range(3):
        rows = prepared_rows(
            ("price", n),
            lambda: Product.objects.filter(pk=product.pk).values_list("price_minor"),
            [product.pk],
        )
        assert rows == [(product.price_minor,)]
    assert list(prepared._statements) == [("default", ("price", 0))]


def test_objects_come_with_their_relations_as_select_related_gives_them(
    django_assert_num_queries,
):
    with_category = ProductFactory()
    without = ProductFactory(category=None)
    ids = [with_category.pk, without.pk]

    def build():
        return Product.objects.filter(pk__in=ids).order_by("id")

    with django_assert_num_queries(1):
        found = prepared_objects(
            Product, ("both", 2), build, ids, related=("shop", "shop__owner", "category")
        )
    expected = list(build().select_related("shop__owner", "category"))
    with django_assert_num_queries(0):  # everything is loaded
        for got, want in zip(found, expected, strict=True):
            assert isinstance(got, Product) and got.pk == want.pk
            assert got.name == want.name and got.specifications == want.specifications
            assert got.shop.owner.email == want.shop.owner.email
            assert (got.category and got.category.name) == (want.category and want.category.name)
    assert found[1].category is None
    assert not found[0]._state.adding  # loaded, as the ORM loads: saving updates


def test_counts_and_windows_are_the_querysets_own(django_assert_num_queries):
    ProductFactory.create_batch(5, price_minor=700)
    cheap = ProductFactory(price_minor=5)

    def dear():
        return Product.objects.filter(price_minor__gt=100).order_by("-id")

    assert prepared_count("dear", dear, [100]) == 5
    with django_assert_num_queries(1):  # the kept SQL
        assert prepared_count("dear", dear, [100]) == 5
    window = prepared_objects(Product, "dear", dear, [100], window=(1, 2))
    assert [p.pk for p in window] == [p.pk for p in dear()[1:3]]
    assert cheap.pk not in [p.pk for p in prepared_objects(Product, "dear", dear, [100])]
    with pytest.raises(ParametersOutOfOrder):
        prepared_count("twice", lambda: dear().filter(stock_quantity__gt=3), [3, 100])


def test_attached_children_answer_the_reverse_relation_without_a_query(
    django_assert_num_queries,
):
    first, second = ProductFactory(), ProductFactory()
    images = [ProductImageFactory(product=first, position=n) for n in range(2)]
    parents = prepared_objects(
        Product,
        "both",
        lambda: Product.objects.filter(pk__in=[first.pk, second.pk]).order_by("id"),
        [first.pk, second.pk],
    )
    attach_children(parents, "images", images, "product_id")
    with django_assert_num_queries(0):
        assert list(parents[0].images.all()) == images
        assert list(parents[1].images.all()) == []
        assert parents[0].images.count() == 2


def test_what_can_match_nothing_sends_no_sql(django_assert_num_queries):
    def build():
        return Product.objects.filter(pk__in=[]).values_list("id")

    with django_assert_num_queries(0):
        assert prepared_rows(("nothing", 0), build, []) == []
        assert prepared_rows(("nothing", 0), build, []) == []
        assert (
            prepared_objects(Product, "none", lambda: Product.objects.filter(pk__in=[]), []) == []
        )


def test_deferred_fields_are_left_unread_and_load_on_access(django_assert_num_queries):
    product = ProductFactory(description="kept aside")
    with django_assert_num_queries(1):
        (found,) = prepared_objects(
            Product, "one", lambda: Product.objects.filter(pk=product.pk), [product.pk],
            defer=("description",),
        )  # fmt: skip
        assert found.name == product.name
    assert found.get_deferred_fields() == {"description"}
    with django_assert_num_queries(1):
        assert found.description == "kept aside"


def test_values_the_orm_writes_into_the_sql_are_compiled_on_their_own():
    # an integer no column holds: the ORM drops an upper bound, and a key matches nothing
    product = ProductFactory(price_minor=700)

    def cheaper(bound):
        return lambda: Product.objects.filter(pk=product.pk).filter(price_minor__lte=bound)

    huge = 10**23
    for first, then in [(huge, 800), (800, huge)]:
        prepared._statements.clear()
        for bound in (first, then):
            rows = prepared_rows("cheaper", lambda b=bound: cheaper(b)().values_list("id"),
                                 [product.pk, bound])  # fmt: skip
            assert rows == [(product.pk,)]
            assert prepared_count("cheaper", cheaper(bound), [product.pk, bound]) == 1

    def by_pk(pk):
        return lambda: Product.objects.filter(pk=pk)

    prepared._statements.clear()
    assert prepared_objects(Product, "by_pk", by_pk(huge), [huge]) == []
    assert prepared._statements == {}  # matching nothing for that value is not the shape's
    assert [p.pk for p in prepared_objects(Product, "by_pk", by_pk(product.pk), [product.pk])] == [
        product.pk
    ]
    assert prepared_rows("none", lambda: Product.objects.filter(category=None).values_list("id"),
                         [None]) == []  # fmt: skip
    assert prepared._statements.keys() == {("default", ("objects", Product, (), (), "by_pk"))}


def test_booleans_are_compiled_on_their_own():
    # True is an int to Python, but a boolean column's value to the SQL
    listed = ProductFactory(is_active=True)
    ProductFactory(is_active=False)

    def active(flag):
        return lambda: Product.objects.filter(is_active=flag).values_list("id")

    prepared._statements.clear()
    assert prepared_rows("active", active(True), [True]) == [(listed.pk,)]
    assert prepared._statements == {}
