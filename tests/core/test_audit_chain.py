"""The audit trail is tamper-evident: an edited, inserted or deleted row is reported."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tongxing.core import audit
from tongxing.core.models import AuditAction, AuditChainHead, AuditEvent


@pytest.fixture
def chain(village, person):
    """Five rows: the registration, a view, a reveal and two more views."""
    for purpose in ("", "核对身份", ""):
        action = AuditAction.REVEAL if purpose else AuditAction.VIEW
        audit.record(
            village,
            action,
            object_type="registry.person",
            object_id=person.pk,
            person_id=person.pk,
            area_code=person.area_id,
            purpose=purpose,
        )
    factories.make_person(village, name="李四")
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_chain_verifies(chain):
    assert audit.verify_chain() == (len(chain), None)
    assert AuditChainHead.objects.get().last_id == chain[-1]


def test_each_row_links_to_the_hash_of_the_row_before(chain):
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "row_hash"))
    assert rows[0][0] == audit.GENESIS
    assert all(rows[i][0] == rows[i - 1][1] for i in range(1, len(rows)))


def test_editing_a_row_in_the_database_is_reported_at_that_row(chain):
    raw("UPDATE core_auditevent SET purpose = %s WHERE id = %s", ["改过", chain[2]])
    checked, problem = audit.verify_chain()
    assert (checked, problem.row_id, problem.kind) == (2, chain[2], "modified")


def test_deleting_a_row_is_reported_at_the_next_row(chain):
    raw("DELETE FROM core_auditevent WHERE id = %s", [chain[1]])
    checked, problem = audit.verify_chain()
    assert (checked, problem.row_id, problem.kind) == (1, chain[2], "deleted_before")


def test_deleting_the_last_rows_is_reported_against_the_chain_head(chain):
    raw("DELETE FROM core_auditevent WHERE id >= %s", [chain[-2]])
    checked, problem = audit.verify_chain()
    assert (checked, problem.kind) == (len(chain) - 2, "tail_deleted")


def test_a_forged_row_copied_with_a_valid_looking_hash_is_reported(chain):
    source = AuditEvent.objects.get(id=chain[1])
    raw(
        "INSERT INTO core_auditevent (at, actor_role, action, object_type, object_id, area_code,"
        " summary, changes, purpose, source, prev_hash, row_hash) VALUES"
        " (%s, '', 'view', 'registry.person', '1', '', '', '{}', 'forged', 'web', %s, %s)",
        [source.at, source.row_hash, source.row_hash],
    )
    raw("UPDATE core_auditchainhead SET last_id = last_id + 1")
    checked, problem = audit.verify_chain()
    assert (problem.kind, checked) == ("modified", len(chain))


def test_verify_audit_command_fails_loudly_on_a_broken_chain(chain):
    call_command("verify_audit")
    raw("UPDATE core_auditevent SET summary = 'x' WHERE id = %s", [chain[0]])
    with pytest.raises(CommandError, match=f"audit row {chain[0]} was modified"):
        call_command("verify_audit")
