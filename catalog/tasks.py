from celery import shared_task

from .viewcounts import views_flush


@shared_task(ignore_result=True)
def product_views_flush() -> int:
    """Add the product views counted in Redis to the rows (beat; catalog/viewcounts.py)."""
    return views_flush()
