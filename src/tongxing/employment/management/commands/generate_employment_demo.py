from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.employment.demo import (
    DEMO_TOWNSHIP,
    STAFF_YEAR,
    generate_employment_demo,
    generate_plans_demo,
)


class Command(BaseCommand):
    help = (
        f"Create demo employers with quota declarations for {STAFF_YEAR} and employment "
        f"statuses in the demo township {DEMO_TOWNSHIP}. Does nothing if they exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = generate_employment_demo(seed)
        if not report.created:
            self.stdout.write("Demo employers already present; nothing created.")
        else:
            self.stdout.write(
                f"Demo employment: {report.employers} employers, {report.declarations} "
                f"declarations for {STAFF_YEAR}, {report.statuses} employment statuses."
            )
        # Separate, and idempotent on its own, so an existing demo database gains them.
        plans = generate_plans_demo()
        if not plans.created:
            self.stdout.write("Demo plans already present (or no demo officers); none created.")
            return
        self.stdout.write(
            f"Demo plans: {plans.household_plans} zero-employment household plans, "
            f"{plans.graduate_plans} graduate plan ({plans.school_leavers} school leavers), "
            f"a public welfare post, a post-subsidy application, "
            f"{plans.follow_ups} warning follow-up."
        )
