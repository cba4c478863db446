from django.urls import path

from tongxing.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("run/", views.run, name="run"),
    path("export.csv", views.export, name="export"),
    path("counts/", views.counts, name="counts"),
    path("person/<int:pk>/", views.person, name="person"),
    path("person/<int:pk>/measure/", views.add_measure, name="add_measure"),
    path("person/<int:pk>/close/", views.close, name="close"),
    path("person/<int:pk>/hardship/", views.add_circumstance, name="add_circumstance"),
]
