from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tongxing.portal"
    verbose_name = "Citizen portal"
