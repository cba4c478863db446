from __future__ import annotations

from tongxing.accounts.models import User


def set_display_preferences(user: User, *, large_text: bool, high_contrast: bool) -> None:
    user.large_text = large_text
    user.high_contrast = high_contrast
    user.save(update_fields=["large_text", "high_contrast"])
