from django.urls import path

from tongxing.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.parameter_list, name="parameter_list"),
    path("<int:pk>/", views.parameter_detail, name="parameter_detail"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("values/<int:pk>/approve/", views.approve, name="approve"),
    path("values/<int:pk>/reject/", views.reject, name="reject"),
    path("values/<int:pk>/confirm/", views.confirm, name="confirm"),
]
