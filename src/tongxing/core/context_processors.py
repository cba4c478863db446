from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tongxing.accounts.roles import Capability
from tongxing.accounts.views import display_from_cookie


def display_preferences(request: HttpRequest) -> dict[str, Any]:
    """Large text and high contrast: remembered on the user, or on the device before login."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large, contrast = user.large_text, user.high_contrast
    else:
        large, contrast, _ = display_from_cookie(request) or (False, False, False)
    return {"pref_large_text": large, "pref_high_contrast": contrast}


def capabilities(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user may do, so menus offer only pages that will open."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "can_view_registry": signed_in and user.can(Capability.VIEW_REGISTRY),
        "can_edit_registry": signed_in and user.can(Capability.EDIT_REGISTRY),
        "can_view_audit": signed_in and user.can(Capability.VIEW_AUDIT),
        "can_view_parameters": signed_in and user.can(Capability.VIEW_PARAMETERS),
        "can_view_payroll": signed_in and user.can(Capability.VIEW_PAYROLL),
        "can_view_worklist": signed_in and user.can(Capability.VIEW_WORKLIST),
        "can_upload_department_lists": signed_in and user.can(Capability.UPLOAD_DEPARTMENT_LISTS),
        "can_import_registry": signed_in and user.can(Capability.IMPORT_REGISTRY),
        "can_view_surveys": signed_in and user.can(Capability.VIEW_SURVEYS),
        "can_home_visits": signed_in and user.can(Capability.HOME_VISITS),
        "can_emergency_roster": signed_in and user.can(Capability.EMERGENCY_ROSTER),
        "can_view_employment": signed_in and user.can(Capability.VIEW_EMPLOYMENT),
        "can_view_employers": signed_in and user.can(Capability.VIEW_EMPLOYERS),
        "can_view_services": signed_in and user.can(Capability.VIEW_SERVICES),
        "can_process_applications": signed_in and user.can(Capability.PROCESS_APPLICATIONS),
        "can_view_facilities": signed_in and user.can(Capability.VIEW_FACILITIES),
        "can_link_citizens": signed_in and user.can(Capability.LINK_CITIZENS),
        "can_view_devices": signed_in and user.can(Capability.VIEW_DEVICES),
        "can_view_rehab": signed_in and user.can(Capability.VIEW_REHAB),
        "can_view_service_ratings": signed_in and user.can(Capability.VIEW_SERVICE_RATINGS),
        "can_manage_api_tokens": signed_in and user.can(Capability.MANAGE_API_TOKENS),
        "can_view_api_calls": signed_in and user.can(Capability.VIEW_API_CALLS),
        "can_view_indicators": signed_in and user.can(Capability.VIEW_INDICATORS),
        "can_view_risk_monitoring": signed_in and user.can(Capability.VIEW_RISK_MONITORING),
    }
