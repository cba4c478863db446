from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tongxing.registry"
    verbose_name = "Registry"
