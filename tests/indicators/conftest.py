from __future__ import annotations

import pytest

from tongxing.indicators.catalogue import load_indicators


@pytest.fixture
def catalogue(db):
    """The region pack's indicator catalogue."""
    load_indicators("sichuan-bazhong")
