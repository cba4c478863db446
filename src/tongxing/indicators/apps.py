from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "tongxing.indicators"
    verbose_name = _("Plan indicators and evaluation")
