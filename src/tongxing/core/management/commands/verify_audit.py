from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxing.core.audit import verify_chain


class Command(BaseCommand):
    help = "Check the HMAC-SM3 chain of the audit trail; report the first altered row."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"audit chain broken after {checked} good rows: {problem.message}")
        self.stdout.write(f"audit chain intact: {checked} rows verified")
