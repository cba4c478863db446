from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.services.demo import generate_services_demo


class Command(BaseCommand):
    help = (
        "Create demo facilities in every county and a few hundred service applications in "
        "every state (run after load_services and the demo accounts). Does nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = generate_services_demo(seed)
        if not report.created:
            self.stdout.write(
                f"Demo facilities: {report.facilities} created; demo applications already "
                "present (or the accounts or service types are missing): none created."
            )
            return
        self.stdout.write(
            f"Demo services: {report.facilities} facilities, {report.applications} applications."
        )
