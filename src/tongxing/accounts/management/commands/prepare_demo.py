from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from tongxing.portal.demo import login_lines as portal_login_lines


class Command(BaseCommand):
    help = "Migrate, load the region pack, generate the demo population and demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=114_000)
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, persons: int, seed: int, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("prepare_demo creates demo accounts; it runs only with DEBUG on.")
        call_command("migrate", verbosity=0)
        call_command("load_region", settings.TONGXING_REGION)
        call_command("load_parameters", settings.TONGXING_REGION)
        call_command("generate_demo", persons=persons, seed=seed)
        call_command("make_import_demo")
        ensure_demo_accounts()
        call_command("generate_benefit_demo", seed=seed)
        call_command("make_reconcile_demo")
        call_command("load_surveys", settings.TONGXING_REGION)
        call_command("generate_survey_demo", seed=seed)
        call_command("generate_employment_demo", seed=seed)
        call_command("load_services", settings.TONGXING_REGION)
        call_command("generate_services_demo", seed=seed)
        call_command("generate_need_applications_demo", seed=seed)
        call_command("load_device_catalogue", settings.TONGXING_REGION)
        call_command("generate_provision_demo", seed=seed)
        call_command("generate_portal_demo")
        call_command("generate_api_demo")
        call_command("generate_monitoring_demo", seed=seed)
        # Last: the indicators count what the steps above created.
        call_command("generate_indicator_demo", settings.TONGXING_REGION)
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for spec in DEMO_ACCOUNTS:
            area = spec.area_code or "-"
            self.stdout.write(
                f"  {spec.username:<11} {spec.role:<17} {area:<13} {spec.display_name}"
            )
        self.stdout.write(f"  {'admin':<11} {'superuser':<17} {'-':<13} configuration (/admin/)")
        self.stdout.write("\nCitizen portal (/portal/), same password:")
        for line in portal_login_lines():
            self.stdout.write(line)
        # Not a fixed address: `make demo HOST=...` serves elsewhere.
        self.stdout.write("\nSign in at the address the web server prints when it starts.")
