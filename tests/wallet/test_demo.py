import pytest
from django.core.management import call_command

from accounts import demo as accounts_demo
from orders.models import Order
from tests.factories.catalog import ProductFactory
from wallet import demo
from wallet.models import Account, Entry
from wallet.services import ledger_audit

pytestmark = pytest.mark.django_db


def test_demo_wallets_are_funded_once_with_a_few_transactions(django_capture_on_commit_callbacks):
    accounts_demo.seed()
    ProductFactory(stock_quantity=5, price_minor=35_000)
    with django_capture_on_commit_callbacks(execute=True):
        lines = demo.seed()
    mwk = Account.objects.get(user__username="th_demo", currency="MWK")
    btc = Account.objects.get(user__username="cryptodemo", currency="BTC")
    assert mwk.balance_minor == 1_750_000 - 40_000  # two approved top-ups, one order
    assert btc.balance_minor == 2_250_000
    assert Entry.objects.filter(account=mwk).count() == 3
    assert Order.objects.get(buyer=mwk.user).payment_provider == "wallet"
    assert lines[0] == "Techaven demo wallet: MK 1,710,000"
    assert btc.deposit_address in lines[1] and "0.02250000 BTC" in lines[1]

    assert demo.seed() == lines  # again: nothing added
    assert Entry.objects.filter(account__in=[mwk, btc]).count() == 5
    assert ledger_audit().ok


def test_seed_demo_runs_end_to_end(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "[wallet] Techaven demo wallet: MK" in out
    assert "[wallet] CryptoShop demo wallet:" in out and "bc1q" in out
