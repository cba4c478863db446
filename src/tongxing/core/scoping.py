"""The one place where "which records may this user see" becomes a query.

Area codes nest as string prefixes (city 5119 ⊃ county 511902 ⊃ township 511902001 ⊃
village 511902001001). A prefix match written as a half-open range, ``code >= p AND
code < p + '~'``, uses the B-tree index on both SQLite and PostgreSQL, whatever the
collation, where ``LIKE 'p%'`` may not.
"""

from __future__ import annotations

from django.db.models import Q

PREFIX_END = "~"  # sorts after every digit


def prefix_q(field: str, prefix: str) -> Q:
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + PREFIX_END})


def in_area(area_code: str, prefix: str) -> bool:
    return area_code.startswith(prefix)
