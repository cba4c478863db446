from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongxing.accounts.actions import set_display_preferences


@require_POST
def display_preferences(request: HttpRequest) -> HttpResponse:
    """The large-text / high-contrast switch in the header; remembered per user."""
    large = request.POST.get("large_text") == "on"
    contrast = request.POST.get("high_contrast") == "on"
    if request.user.is_authenticated:
        set_display_preferences(request.user, large_text=large, high_contrast=contrast)
    else:
        request.session["large_text"] = large
        request.session["high_contrast"] = contrast
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)
