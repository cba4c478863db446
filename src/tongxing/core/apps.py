from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongxing.core"
    verbose_name = "Core"
