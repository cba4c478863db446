from django.urls import path

from tongxing.devices import views

app_name = "devices"
urlpatterns = [
    path("", views.home, name="home"),
    path("centres/<int:pk>/", views.centre_detail, name="centre"),
    path("loan-items/<int:pk>/", views.loan_item, name="loan_item"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
