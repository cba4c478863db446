from django.urls import path

from tongxing.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("person/<int:pk>/", views.person, name="person"),
    path("person/<int:pk>/certificate-number/", views.reveal_certificate, name="reveal"),
]
