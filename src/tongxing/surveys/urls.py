from django.urls import path

from tongxing.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.progress, name="progress"),
    path("<int:year>/persons/<int:pk>/", views.survey_person, name="person"),
    path("<int:year>/persons/<int:pk>/review/", views.survey_review, name="review"),
    path("<int:year>/persons/<int:pk>/screens/<slug:group>/", views.survey_step, name="step"),
    path("needs/", views.need_list, name="need_list"),
    path("needs/<int:pk>/close/", views.need_close, name="need_close"),
    path("needs/<int:pk>/apply/", views.need_apply, name="need_apply"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/plan/<int:pk>/", views.visit_plan_new, name="visit_plan_new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit_record"),
    path("roster/", views.emergency_roster, name="roster"),
]
