from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tongxing.accounts"
    verbose_name = "Accounts"
