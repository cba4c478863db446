"""Plain factory functions with defaults. Each call makes a new, valid record."""

from __future__ import annotations

import datetime as dt
import itertools

from tongxing.accounts.models import User
from tongxing.areas.models import Area
from tongxing.core.idnumbers import make_id_number
from tongxing.registry import actions
from tongxing.registry.models import Person

_sequence = itertools.count(1)

VILLAGE = "511902001001"  # 东城街道第1社区 (synthetic)
NEXT_VILLAGE = "511902001002"  # 东城街道第2社区 (synthetic)
OTHER_COUNTY_VILLAGE = "511921001001"  # 通江县 壁州街道第1社区 (synthetic)


def make_user(username: str, role: str, area_code: str | None, department: str = "") -> User:
    return User.objects.create_user(
        username=username,
        password="test-pass-12345",
        role=role,
        area_id=area_code,
        department=department,
    )


def new_id_number(birth: dt.date = dt.date(1960, 5, 17), area_code: str = "511902") -> str:
    return make_id_number(area_code, birth, next(_sequence) % 1000)


def person_data(**overrides) -> actions.PersonData:
    area = overrides.pop("area", None) or Area.objects.get(code=overrides.pop("area_code", VILLAGE))
    defaults = {
        "id_number": overrides.pop("id_number", None) or new_id_number(),
        "name": "张三",
        "hukou_type": "rural",
        "area": area,
        "address": "东城街道1号",
        "phone": "13812345678",
    }
    return actions.PersonData(**(defaults | overrides))


def certificate_data(**overrides) -> actions.CertificateData:
    defaults = {"category": 4, "grade": 2, "issue_date": dt.date(2020, 3, 1)}
    return actions.CertificateData(**(defaults | overrides))


def make_person(actor: User, *, certificate: dict | None = None, **overrides) -> Person:
    return actions.register_person(
        actor, person_data(**overrides), certificate_data(**(certificate or {}))
    )
