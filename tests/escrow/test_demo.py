import pytest
from django.core.management import call_command

from escrow.models import Escrow
from wallet.services import ledger_audit

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_one_escrow_in_each_documented_state_once(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    states = sorted(Escrow.objects.values_list("status", flat=True))
    assert states == ["CONFIRMED", "DISPUTED", "FUNDED", "PENDING", "REFUNDED", "RELEASED"]
    assert "[escrow] CryptoShop demo escrows: CONFIRMED, DISPUTED" in capsys.readouterr().out
    assert ledger_audit().ok
