from django.urls import path

from tongxing.services import views

app_name = "services"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/step/", views.application_step, name="application_step"),
    path("applications/<int:pk>/refuse/", views.application_refuse, name="application_refuse"),
    path(
        "applications/<int:pk>/reassign/", views.application_reassign, name="application_reassign"
    ),
    path("applications/<int:pk>/comment/", views.application_comment, name="application_comment"),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"
    ),
    path("applications/<int:pk>/record/", views.application_record, name="application_record"),
    path("applications/<int:pk>/letter/", views.decision_letter, name="decision_letter"),
    path("persons/<int:pk>/", views.person_services, name="person"),
    path("persons/<int:pk>/apply/<slug:code>/", views.apply, name="apply"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/members/", views.facility_members, name="facility_members"),
    path("clients/", views.provider_clients, name="provider_clients"),
]
