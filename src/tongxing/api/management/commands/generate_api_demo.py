from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongxing.api.demo import DEMO_TOKEN, demo_holder, ensure_demo_token


class Command(BaseCommand):
    help = "Create the demo's department API token (DEMO ONLY, fixed) and print a curl call."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo token is fixed and published; it needs DEBUG on.")
        token, created = ensure_demo_token()
        holder = demo_holder()
        self.stdout.write(
            f"Demo API token ({'created' if created else 'already there'}; DEMO ONLY, "
            f"published in the README, never use a fixed token in production):\n"
            f"  {token.name}: {token.get_purpose_display()}, area {token.area_id}\n"
            f"  {DEMO_TOKEN}"
        )
        if holder is None:
            self.stdout.write("  No demo person with a valid certificate to check.")
            return
        body = json.dumps({"id_number": holder.id_number})
        self.stdout.write(
            "  Check a (synthetic) demo person's certificate:\n"
            "  curl -s -X POST http://127.0.0.1:8000/api/v1/certificates/check \\\n"
            f'    -H "Authorization: Bearer {DEMO_TOKEN}" \\\n'
            "    -H 'Content-Type: application/json' \\\n"
            f"    -d '{body}'"
        )
