"""The public disclosure pages: no login, no personal data, small counts suppressed."""

from django.urls import path

from tongxing.indicators import views

app_name = "indicators_public"

urlpatterns = [
    path("", views.public_page, name="page"),
    path("indicators.csv", views.public_csv, name="csv"),
    path("reports/<int:pk>/", views.public_report, name="report"),
]
