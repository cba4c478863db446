from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongxing.exchange.demo import make_demo_file


class Command(BaseCommand):
    help = "Write the demo registry import file (with planted errors) into var/demo/."

    def handle(self, *args: Any, **options: Any) -> None:
        path = make_demo_file()
        self.stdout.write(f"wrote {path}")
