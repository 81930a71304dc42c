from celery.schedules import crontab

from core.beat import job, seconds_env

BEAT = {
    # product views are added up in Redis; this writes them to the rows (catalog/viewcounts.py)
    "catalog-flush-views": job(
        "catalog.tasks.product_views_flush", seconds_env("CATALOG_VIEWS_FLUSH_SECONDS", 30.0)
    ),
    # the typo-correction words of renamed and deleted products (catalog/search.py)
    "catalog-search-words-prune": job(
        "catalog.tasks.search_words_forget_unused", crontab(hour=3, minute=17)
    ),
}
