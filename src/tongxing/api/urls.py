from django.urls import path

from tongxing.api import views

app_name = "api_clients"
urlpatterns = [
    path("", views.token_index, name="index"),
    path("<int:pk>/", views.token_detail, name="detail"),
    path("calls/", views.call_log, name="calls"),
    path("calls/export/", views.call_export, name="calls_export"),
]
