"""The demo cast: one account per role, bound to areas of the Bazhong region pack.

The same cast (by role and area) is used by the tests, so what a newcomer clicks through
in ``make demo`` is what the access tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tongxing.accounts.models import OUTSIDE_BODY, User
from tongxing.accounts.roles import Role
from tongxing.reconcile.kinds import Department

DEMO_PASSWORD = "tongxing-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    area_code: str | None
    display_name: str
    department: str = ""  # for partner-department accounts (api/purposes.py)


DEMO_ACCOUNTS = (
    DemoAccount("village", Role.VILLAGE_WORKER, "511902001001", "王专职（东城街道第1社区）"),
    DemoAccount("village2", Role.VILLAGE_WORKER, "511902001002", "李专职（东城街道第2社区）"),
    DemoAccount("township", Role.TOWNSHIP_OFFICER, "511902001", "赵干部（东城街道）"),
    DemoAccount("county", Role.COUNTY_OFFICER, "511902", "陈科长（巴州区残联）"),
    DemoAccount("county2", Role.COUNTY_OFFICER, "511921", "周科长（通江县残联）"),
    # A second officer in each federation: the payroll needs four different people.
    DemoAccount("county_reviewer", Role.COUNTY_OFFICER, "511902", "孙科长（巴州区残联，复核）"),
    DemoAccount("city", Role.CITY_OFFICER, "5119", "刘处长（巴中市残联）"),
    DemoAccount("city_finance", Role.CITY_OFFICER, "5119", "吴处长（巴中市残联，财务）"),
    DemoAccount("department", Role.DEPARTMENT, "5119", "民政局数据专员", Department.CIVIL_AFFAIRS),
    # The hospital checks certificates for its fee waiver (the demo API token, api/demo.py).
    DemoAccount("hospital", Role.DEPARTMENT, "5119", "市人民医院收费处", OUTSIDE_BODY),
    DemoAccount("provider", Role.PROVIDER, "511902", "巴州区康复中心"),
    DemoAccount("auditor", Role.AUDITOR, "5119", "审计员"),
    DemoAccount("citizen", Role.CITIZEN, None, "张群众"),
    # Linked to a child in the portal (portal/demo.py); the citizen above to themselves.
    DemoAccount("guardian", Role.CITIZEN, None, "王家长（监护人）"),
)


@transaction.atomic
def ensure_demo_accounts(password: str = DEMO_PASSWORD) -> list[User]:
    """Create or refresh the demo accounts; the admin account is ``admin``."""
    users = []
    for spec in DEMO_ACCOUNTS:
        user, created = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "role": spec.role,
                "area_id": spec.area_code,
                "display_name": spec.display_name,
                "department": spec.department,
                "is_active": True,
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "display_name": "系统管理员"},
    )
    if created or not admin.check_password(password):
        admin.set_password(password)
        admin.save(update_fields=["password"])
    users.append(admin)
    return users
