from django.urls import path

from tongxing.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("compute/", views.compute, name="compute"),
    path("reported/", views.reported_list, name="reported_list"),
    path("reported/<int:pk>/decide/", views.reported_decide, name="reported_decide"),
    path("reported/<int:pk>/evidence/", views.evidence_download, name="evidence"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("<slug:code>/", views.indicator_detail, name="detail"),
]
