from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxing.reconcile.demo import make_demo_list


class Command(BaseCommand):
    help = "Write the demo death list (var/demo/department-deaths-demo.xlsx)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, paid, alive = make_demo_list()
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Demo death list: {path} ({paid} paid after death, {alive} only still alive)"
        )
