from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "tongxing.devices"
    verbose_name = _("Assistive devices")

    def ready(self) -> None:
        from tongxing.devices import workflow

        workflow.register()
