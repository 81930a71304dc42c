from celery import shared_task

from .search import search_words_prune
from .viewcounts import views_flush


@shared_task(ignore_result=True)
def product_views_flush() -> int:
    """Add the product views counted in Redis to the rows (beat; catalog/viewcounts.py)."""
    return views_flush()


@shared_task(ignore_result=True)
def search_words_forget_unused() -> int:
    """Drop typo-correction words no product uses any more (beat, daily)."""
    return search_words_prune()
