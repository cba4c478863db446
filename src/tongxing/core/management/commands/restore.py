from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.core.backup import BackupError, restore_postgresql, restore_sqlite


class Command(BaseCommand):
    help = (
        "Restore an encrypted backup into a database given by --database-url (a new SQLite "
        "file, or an existing PostgreSQL database whose objects are replaced)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--force", action="store_true", help="replace an existing target")

    def handle(self, *args: Any, backup: Path, database_url: str, force: bool, **opts: Any) -> None:
        target = dj_database_url.parse(database_url)
        try:
            if target["ENGINE"].endswith("sqlite3"):
                destination = Path(target["NAME"])
                if destination.exists() and not force:
                    raise CommandError(f"{destination} exists; add --force to replace it")
                restore_sqlite(backup, destination)
            elif target["ENGINE"].endswith("postgresql"):
                if not force:
                    raise CommandError("restoring replaces the database's objects; add --force")
                restore_postgresql(backup, target)
            else:
                raise CommandError(f"cannot restore into {target['ENGINE']}")
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {backup} into {database_url}")
