import environ

BEAT = {
    # product views are added up in Redis; this writes them to the rows (catalog/viewcounts.py)
    "catalog-flush-views": {
        "task": "catalog.tasks.product_views_flush",
        "schedule": environ.Env().float("CATALOG_VIEWS_FLUSH_SECONDS", default=30.0),
    },
}
