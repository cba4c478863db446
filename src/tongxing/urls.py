from django.contrib import admin
from django.urls import include, path

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
    path("monitoring/", include("tongxing.monitoring.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
