"""The demo's department API token: a hospital's certificate check for the whole city.

Its value is fixed and published in the README so that ``make demo`` ends with a curl
command that works; that is safe only because the demo's persons are synthetic and the
demo runs with DEBUG on (``create_token`` refuses a fixed token otherwise). A real
deployment creates its tokens on the token page, where each is random and shown once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.api import actions
from tongxing.api.models import ApiToken
from tongxing.registry.models import CertificateStatus, Person

DEMO_TOKEN = actions.DEMO_PREFIX + "-hospital-fee-check-NOT-A-SECRET"
DEMO_PURPOSE = "certificate.hospital_fee"


def ensure_demo_token() -> tuple[ApiToken, bool]:
    """The demo token, created by the demo city officer for the demo hospital's account
    if it is not there yet; ``True`` when it was created now."""
    existing = ApiToken.objects.filter(key_hash=actions.hash_token(DEMO_TOKEN)).first()
    if existing is not None:
        return existing, False
    city = User.objects.get(username="city")
    today = timezone.localdate()
    token, _raw = actions.create_token(
        city,
        name="演示：市人民医院减免核验（DEMO ONLY）",
        account=User.objects.get(username="hospital"),
        purpose=DEMO_PURPOSE,
        area_code=city.area_id,
        expires_on=today + dt.timedelta(days=365),
        rate_per_minute=60,
        today=today,
        demo_secret=DEMO_TOKEN,
    )
    return token, True


def demo_holder() -> Person | None:
    """A demo person whose certificate stays valid for more than a year from today, so the
    example answers "valid" whenever the demo is run; the lowest id, so it is stable."""
    later = timezone.localdate() + dt.timedelta(days=366)
    return (
        Person.objects.filter(
            certificate__status=CertificateStatus.VALID,
            certificate__valid_until__gt=later,
            date_of_death__isnull=True,
        )
        .order_by("pk")
        .first()
    )
