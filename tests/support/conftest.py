import base64
import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from support import services
from support.permissions import support_group
from tests.conftest import techaven_client
from tests.factories.accounts import StaffUserFactory, TechavenUserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # attachments written by these tests never land in the checkout's media/
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png_base64(width: int = 8, height: int = 8) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def cs_account():
    return cryptoshop_user_register()


@pytest.fixture
def cs_client(cs_account):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cs_account.access_token}")
    return client


@pytest.fixture
def cs_other_client():
    client = APIClient()
    account = cryptoshop_user_register()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {account.access_token}")
    client.user = account.user
    return client


@pytest.fixture
def th_user():
    return TechavenUserFactory()


@pytest.fixture
def th_client(th_user):
    return techaven_client(th_user)


@pytest.fixture
def th_other_client():
    return techaven_client(TechavenUserFactory())


@pytest.fixture
def agent():
    """A support agent: staff, in the "Support" group made by the data migration."""
    user = StaffUserFactory(username="agent_test")
    # support_group(): a transactional test elsewhere may have flushed the migration's group
    user.groups.add(support_group())
    return user


@pytest.fixture
def make_ticket():
    def make(user, subject="Product not delivered", content="Where is it?", **kw):
        return services.ticket_create(user=user, subject=subject, content=content, **kw)

    return make
