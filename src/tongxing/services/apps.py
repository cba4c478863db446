from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "tongxing.services"
    verbose_name = _("Services and applications")

    def ready(self) -> None:
        from tongxing.services import builtin

        builtin.register()
