from django.urls import path

from tongxing.portal import service_views, staff_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("person/<int:pk>/", views.person, name="person"),
    path("person/<int:pk>/certificate-number/", views.reveal_certificate, name="reveal"),
    path("person/<int:pk>/services/", service_views.services, name="services"),
    path("person/<int:pk>/apply/<slug:code>/", service_views.apply_start, name="apply_start"),
    path(
        "person/<int:pk>/apply/<slug:code>/question/<int:number>/",
        service_views.apply_question,
        name="apply_question",
    ),
    path(
        "person/<int:pk>/apply/<slug:code>/documents/",
        service_views.apply_documents,
        name="apply_documents",
    ),
    path("person/<int:pk>/apply/<slug:code>/check/", service_views.apply_check, name="apply_check"),
    path("application/<int:pk>/", service_views.application, name="application"),
    path("application/<int:pk>/rate/", service_views.rate, name="rate"),
    path("ratings/", service_views.ratings, name="ratings"),
    path("staff/person/<int:pk>/", staff_views.person_accounts, name="person_accounts"),
    path("staff/person/<int:pk>/end/<int:link_pk>/", staff_views.end_link, name="end_link"),
]
