"""An imported person's audit row is written from text built directly; it must be the
very text the generic diff and canonical encoder write, or old chains stop verifying."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.registry import actions
from tongxing.registry.models import Category, CertificateStatus, HukouType, Relation


def _generic(values: dict, area_code: str, relation: str, cert: dict) -> str:
    snapshot = {
        name: values[name]
        for name in actions.PERSON_FIELDS
        if name not in ("area_id", "relation_to_head")
    }
    snapshot["area_id"] = area_code
    snapshot["relation_to_head"] = relation
    cert_snapshot = {name: cert.get(name) for name in actions.CERTIFICATE_FIELDS}
    cert_snapshot["status"] = CertificateStatus.VALID
    changes = audit.diff(
        {}, actions._masked(snapshot) | actions._masked(cert_snapshot, actions.CERT)
    )
    return audit._CANONICAL.encode(changes)


def test_an_imported_persons_changes_are_the_generic_diffs_text():
    values = {
        "id_number": "51190219600517001X",
        "name": '王"五\\',
        "ethnicity": "汉族",
        "hukou_type": HukouType.RURAL,
        "address": "东城街道\t2号\u2028",
        "phone": "",
        "guardian_name": "王大",
        "guardian_id_number": "511902193001010011",
        "guardian_phone": "13900001111",
        "guardian_relation": "",
    }
    cert = {
        "number": "51190219600517001X42B1",
        "category": Category.PHYSICAL,
        "multiple_detail": "",
        "grade": 2,
        "issue_date": dt.date(2020, 2, 29),
        "valid_until": None,
    }
    for relation in (Relation.HEAD, "child"):
        built = actions._creation_changes(values, "511902001001", relation, cert)
        assert built == _generic(values, "511902001001", relation, cert)
        assert type(built) is audit.ChangesText


def test_the_canonical_text_of_an_event_is_the_encoders(db):
    at = timezone.now()
    for actor_id, person_id, changes in ((7, 12, {"a": [None, 1]}), (None, None, {})):
        event = audit.PendingEvent(
            at=at,
            actor_id=actor_id,
            actor_role="county_officer",
            action=AuditAction.CREATE,
            object_type="registry.person",
            object_id="12",
            person_id=person_id,
            area_code="511902001001",
            summary='registered "with" certificate',
            changes=changes,
            purpose="",
            source="import:3",
        )
        text = audit._CANONICAL.encode(changes)
        values = {name: getattr(event, name) for name in audit.CHAINED_FIELDS}
        assert audit._canonical_event(event, text, "ab" * 32) == audit._canonical_with(
            values, text, "ab" * 32
        )
