from django.urls import path

from tongxing.reconcile import views

app_name = "reconcile"
urlpatterns = [
    path("lists/", views.list_index, name="list_index"),
    path("lists/demo-deaths.xlsx", views.demo_list, name="demo_list"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/run/", views.run, name="run"),
    path("worklist/<int:pk>/", views.finding_detail, name="finding"),
]
