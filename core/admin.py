"""What every staff screen shares."""

from django.db import models

# URLs typed without a scheme are taken as https (Django 6's default, chosen now so the
# admin forms behave the same before and after the upgrade)
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}
