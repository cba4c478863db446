from django.urls import path

from tongxing.employment import views

app_name = "employment"
urlpatterns = [
    path("", views.home, name="home"),
    path("employers/", views.employer_list, name="employer_list"),
    path("employers/new/", views.employer_new, name="employer_new"),
    path("employers/<int:pk>/", views.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/declare/", views.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("employers/<int:pk>/posts/new/", views.post_new, name="post_new"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("training/", views.course_list, name="course_list"),
    path("training/new/", views.course_new, name="course_new"),
    path("training/<int:pk>/", views.course_detail, name="course_detail"),
    path("fund/<int:year>/", views.fund_year, name="fund_year"),
    path("persons/<int:pk>/", views.person_employment, name="person"),
    path("zero-employment/", views.zero_employment, name="zero_employment"),
    path("plans/<str:kind>/", views.plan_list, name="plan_list"),
    path("persons/<int:pk>/plans/<str:kind>/new/", views.plan_new, name="plan_new"),
    path("plan/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("subsidies/", views.subsidy_list, name="subsidy_list"),
    path("employers/<int:pk>/subsidies/new/", views.subsidy_new, name="subsidy_new"),
    path("subsidies/<int:pk>/", views.subsidy_detail, name="subsidy_detail"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/<int:pk>/", views.warning_follow_up, name="warning_follow_up"),
]
