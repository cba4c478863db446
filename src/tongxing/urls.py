from django.contrib import admin
from django.urls import include, path

from tongxing.api.endpoints import api

urlpatterns = [
    path("", include("tongxing.registry.urls")),
    path("accounts/", include("tongxing.accounts.urls")),
    path("audit/", include("tongxing.core.urls")),
    path("jobs/", include("tongxing.core.job_urls")),
    path("", include("tongxing.benefits.urls")),
    path("imports/", include("tongxing.exchange.urls")),
    path("surveys/", include("tongxing.surveys.urls")),
    path("employment/", include("tongxing.employment.urls")),
    path("reconcile/", include("tongxing.reconcile.urls")),
    path("api/", api.urls),
    path("api-clients/", include("tongxing.api.urls")),
    path("services/", include("tongxing.services.urls")),
    path("portal/", include("tongxing.portal.urls")),
    path("devices/", include("tongxing.devices.urls")),
    path("rehab/", include("tongxing.rehab.urls")),
    path("indicators/", include("tongxing.indicators.urls")),
    path("open/plan/", include("tongxing.indicators.public_urls")),
    path("monitoring/", include("tongxing.monitoring.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
