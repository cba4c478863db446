from django.urls import path

from tongxing.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/new/", views.person_register, name="person_register"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/events/<str:kind>/", views.life_event, name="life_event"),
]
