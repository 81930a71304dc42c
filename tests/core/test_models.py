from django.conf import settings
from django.db import models

from core.models import optional_user, user_key


def test_user_keys_deconstruct_as_the_fields_written_out():
    # what makemigrations compares: no migration comes of using them
    assert (
        user_key(on_delete=models.CASCADE, related_name="things").deconstruct()
        == models.ForeignKey(
            settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="things"
        ).deconstruct()
    )
    assert (
        optional_user(on_delete=models.SET_NULL, related_name="+").deconstruct()
        == models.ForeignKey(
            settings.AUTH_USER_MODEL,
            null=True,
            blank=True,
            on_delete=models.SET_NULL,
            related_name="+",
        ).deconstruct()
    )
