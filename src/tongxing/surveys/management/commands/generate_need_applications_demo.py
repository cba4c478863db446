from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.surveys.demo import generate_need_applications_demo


class Command(BaseCommand):
    help = (
        "Start demo service applications from open needs of the demo villages, pre-filled "
        "from the survey answers, some carried to completion so their needs are met (run "
        "after generate_survey_demo and generate_services_demo). Does nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = generate_need_applications_demo(seed)
        if not report.created:
            self.stdout.write(
                "Demo applications from needs already present (or the services demo has "
                "not run): none created."
            )
            return
        self.stdout.write(
            f"Demo applications from needs: {report.started} started, {report.met} needs "
            f"met, {report.refused} refused."
        )
