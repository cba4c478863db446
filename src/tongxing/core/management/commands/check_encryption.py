from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxing.core.fields import Undecryptable, encrypted_fields
from tongxing.core.rotation import encrypted_models


class Command(BaseCommand):
    help = "Decrypt every encrypted value once and name each record whose value fails."

    def handle(self, *args: Any, **options: Any) -> None:
        failures = 0
        checked = 0
        for model in encrypted_models():
            names = [f.name for f in encrypted_fields(model)]
            for row in model._default_manager.only("pk", *names).iterator(chunk_size=2000):
                checked += 1
                for name in names:
                    value = getattr(row, name)
                    if isinstance(value, Undecryptable):
                        failures += 1
                        self.stderr.write(
                            f"{model._meta.label} {row.pk} field {name}: {value.reason}"
                        )
        if failures:
            raise CommandError(f"{failures} value(s) could not be decrypted in {checked} rows")
        self.stdout.write(f"all encrypted values of {checked} rows decrypt")
