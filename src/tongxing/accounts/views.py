"""Sign-in and the display switch.

The large-text / high-contrast choice is remembered on the user and, for the sign-in page,
in a long-lived cookie on the device. A choice made on the sign-in page (before anyone is
signed in) is carried over to the account that signs in next: a person who needs large
text has usually switched it on before typing their password.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongxing.accounts.actions import set_display_preferences
from tongxing.accounts.forms import LoginForm
from tongxing.accounts.start_page import start_page

DISPLAY_COOKIE = "tx_display"
ONE_YEAR = 365 * 24 * 3600


def display_from_cookie(request: HttpRequest) -> tuple[bool, bool, bool] | None:
    """``(large_text, high_contrast, chosen_while_signed_out)`` from the cookie, if any."""
    value = request.COOKIES.get(DISPLAY_COOKIE, "")
    if len(value) != 3 or value[:2].strip("01") or value[2] not in "au":
        return None
    return value[0] == "1", value[1] == "1", value[2] == "a"


def _set_cookie(response: HttpResponse, large: bool, contrast: bool, signed_out: bool) -> None:
    value = f"{int(large)}{int(contrast)}{'a' if signed_out else 'u'}"
    response.set_cookie(DISPLAY_COOKIE, value, max_age=ONE_YEAR, samesite="Lax", httponly=True)


@require_POST
def display_preferences(request: HttpRequest) -> HttpResponse:
    large = request.POST.get("large_text") == "on"
    contrast = request.POST.get("high_contrast") == "on"
    if request.user.is_authenticated:
        set_display_preferences(request.user, large_text=large, high_contrast=contrast)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response = redirect(target)
    _set_cookie(response, large, contrast, signed_out=not request.user.is_authenticated)
    return response


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_default_redirect_url(self) -> str:
        return start_page(self.request.user)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        chosen = display_from_cookie(self.request)
        if chosen is not None and chosen[2]:
            large, contrast, _ = chosen
            set_display_preferences(self.request.user, large_text=large, high_contrast=contrast)
            _set_cookie(response, large, contrast, signed_out=False)
        return response
