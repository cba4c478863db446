from django.urls import path

from tongxing.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("template.xlsx", views.import_template, name="import_template"),
    path("demo.xlsx", views.import_demo, name="import_demo"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("<int:pk>/report.xlsx", views.import_report, name="import_report"),
]
