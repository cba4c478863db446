from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.surveys.demo import DEMO_TOWNSHIP, generate_survey_demo


class Command(BaseCommand):
    help = (
        "Create demo needs surveys (completed and started), needs and home-visit plans for "
        f"the demo township {DEMO_TOWNSHIP}. Re-running with the same --seed does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        try:
            report = generate_survey_demo(seed)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not report.created:
            self.stdout.write("Demo surveys already present; nothing created.")
            return
        self.stdout.write(
            f"Demo surveys: {report.completed} completed, {report.in_progress} started; "
            f"{report.needs} needs; {report.visit_plans} home visits planned."
        )
