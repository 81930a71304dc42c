from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # the wallet reports what became of an order's money through this handler
        from wallet.outcomes import outcomes_register

        from .services.payment_outcomes import OrderMoneyOutcomes

        outcomes_register(OrderMoneyOutcomes())
