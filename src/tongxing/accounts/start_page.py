"""Where an account starts: the page its role works from, after signing in and at "/".

The registry's overview is the start for staff who see persons. Everyone else starts on
the first page their role has, so that nobody signs in to a dead end.
"""

from __future__ import annotations

from django.shortcuts import resolve_url

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role


def start_page(user: User) -> str:
    if user.can(Capability.USE_PORTAL):
        return resolve_url("portal:home")
    # Providers see only the clients placed at their facilities, from the services side.
    if user.role == Role.PROVIDER:
        return resolve_url("services:home")
    if user.can(Capability.VIEW_REGISTRY):
        return resolve_url("registry:home")
    if user.can(Capability.VIEW_AUDIT):
        return resolve_url("core:audit_log")
    # Partner departments report the plan's indicators that only they know.
    if user.can(Capability.VIEW_INDICATORS):
        return resolve_url("indicators:dashboard")
    # The superuser configures the system in the admin; it has no daily pages.
    if user.is_staff:
        return resolve_url("admin:index")
    return resolve_url("registry:home")
