from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "tongxing.surveys"
    verbose_name = _("Needs surveys and home visits")

    def ready(self) -> None:
        # Close a need when the application started from it ends (explicit, no signals).
        from tongxing.services.handlers import register_outcome_handler
        from tongxing.surveys.actions import application_ended

        register_outcome_handler(application_ended)
