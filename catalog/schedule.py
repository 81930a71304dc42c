import environ
from celery.schedules import crontab

BEAT = {
    # product views are added up in Redis; this writes them to the rows (catalog/viewcounts.py)
    "catalog-flush-views": {
        "task": "catalog.tasks.product_views_flush",
        "schedule": environ.Env().float("CATALOG_VIEWS_FLUSH_SECONDS", default=30.0),
    },
    # the typo-correction words of renamed and deleted products (catalog/search.py)
    "catalog-search-words-prune": {
        "task": "catalog.tasks.search_words_forget_unused",
        "schedule": crontab(hour=3, minute=17),
    },
}
