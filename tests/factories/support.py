import factory

from core.storefront import Storefront
from support.models import AppInfo, Faq, HelpArticle, HelpTopic


class HelpTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpTopic

    storefront = Storefront.TECHAVEN
    title = factory.Sequence(lambda n: f"Topic {n}")
    icon = "help"


class HelpArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpArticle

    topic = factory.SubFactory(HelpTopicFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "How it works."


class FaqFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faq

    storefront = Storefront.TECHAVEN
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An answer."
    category = "Orders"


class AppInfoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppInfo
        django_get_or_create = ["storefront"]

    storefront = Storefront.TECHAVEN
    app_name = "Techaven"
    version = "1.2.0"
    min_version = "1.0.0"
    force_update = False
    update_url = "https://play.google.com/store/apps/details?id=mw.techaven.app"
    terms_url = "https://techaven.mw/terms"
    privacy_url = "https://techaven.mw/privacy"
    support_email = "support@techaven.mw"
    support_phone = "+265991234567"
    facebook_url = "https://facebook.com/techavenmw"
    instagram_url = "https://instagram.com/techavenmw"
    twitter_url = "https://twitter.com/techavenmw"
