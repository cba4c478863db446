from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tongxing.core.backup import BackupError, write_backup


class Command(BaseCommand):
    help = "Write an SM4-GCM encrypted, consistent backup of the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        if output is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            output = Path(settings.VAR_DIR) / "backups" / f"tongxing-{stamp}.backup"
        try:
            path = write_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"backup written to {path} ({path.stat().st_size} bytes)")
