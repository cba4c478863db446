from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "tongxing.benefits"
    verbose_name = "Benefits"
