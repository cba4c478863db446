from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabConfig(AppConfig):
    name = "tongxing.rehab"
    verbose_name = _("Child rehabilitation assistance")

    def ready(self) -> None:
        from tongxing.rehab import workflow

        workflow.register()
