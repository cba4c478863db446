"""The one place where "which records may this user see" becomes a query.

Area codes nest as string prefixes (city 5119 ⊃ county 511902 ⊃ township 511902001 ⊃
village 511902001001), so scoping is a prefix match; :mod:`tongxing.core.lookups` makes
that match use an index on SQLite and PostgreSQL, in any collation.
"""

from __future__ import annotations

from django.db.models import Q


def prefix_q(field: str, prefix: str) -> Q:
    return Q(**{f"{field}__prefix": prefix})
