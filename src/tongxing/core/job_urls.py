from django.urls import path

from tongxing.core import job_views

app_name = "jobs"
urlpatterns = [
    path("", job_views.job_list, name="list"),
    path("<uuid:job_id>/", job_views.job_detail, name="detail"),
    path("<uuid:job_id>/status.json", job_views.job_status, name="status"),
    path("<uuid:job_id>/restart/", job_views.job_restart, name="restart"),
]
