#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    if sys.argv[1:2] == ["create_master_key"]:
        # Runs before Django starts, because Django refuses to start without a key.
        from tongxing.core.keyfile import main

        sys.exit(main(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
