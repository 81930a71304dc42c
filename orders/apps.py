from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # the wallet reports what became of an order's money through this handler
        from catalog.purchases import purchases_register
        from wallet.outcomes import outcomes_register

        from .selectors import buyer_received_product
        from .services.payment_outcomes import OrderMoneyOutcomes

        outcomes_register(OrderMoneyOutcomes())
        # the catalog asks whether a reviewer received the product (verified purchase)
        purchases_register(buyer_received_product)
