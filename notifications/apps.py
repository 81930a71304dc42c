from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # a session that ends closes the sockets signed in with it
        from accounts.hooks import sessions_ended_register

        from .realtime import sockets_revoke

        sessions_ended_register(sockets_revoke)
