from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongxing.portal.demo import generate_portal_demo


class Command(BaseCommand):
    help = (
        "Link the demo citizen to a certified adult of 东城街道第1社区 and the demo guardian "
        "to a certified child. Does nothing if the links exist."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = generate_portal_demo()
        if not demo.created:
            self.stdout.write("Demo portal links already present; nothing created.")
            return
        self.stdout.write(
            f"Demo portal: citizen acts for person {demo.citizen_person.pk}, "
            f"guardian for child {demo.child.pk}."
        )
