from django.urls import path

from tongxing.rehab import views

app_name = "rehab"
urlpatterns = [
    path("", views.home, name="home"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("settlements/<int:pk>/statement.xlsx", views.settlement_xlsx, name="settlement_xlsx"),
]
