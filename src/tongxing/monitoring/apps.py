from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tongxing.monitoring"
    verbose_name = _("Poverty-return risk monitoring")
