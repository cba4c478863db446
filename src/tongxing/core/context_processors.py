from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def display_preferences(request: HttpRequest) -> dict[str, Any]:
    """Large text and high contrast: remembered on the user, or in the session before login."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large, contrast = user.large_text, user.high_contrast
    else:
        large = request.session.get("large_text", False)
        contrast = request.session.get("high_contrast", False)
    return {"pref_large_text": large, "pref_high_contrast": contrast}
