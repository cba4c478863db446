from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "tongxing.surveys"
    verbose_name = _("Needs surveys and home visits")
