from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongxing.core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Refuse to start without the master key: never run in a mode that would store
        # identifiers in plaintext. Also proves this OpenSSL really does SM3/SM4.
        import tongxing.core.lookups  # noqa: F401 - registers the ``prefix`` lookup
        from tongxing.core.crypto import self_test
        from tongxing.core.keys import master_key

        self_test()
        master_key()
