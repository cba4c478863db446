from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "tongxing.areas"
    verbose_name = "Areas"
