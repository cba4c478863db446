from django.urls import path

from tongxing.benefits import entitlement_views, payroll_views, views

app_name = "benefits"
urlpatterns = [
    path("parameters/", views.parameter_list, name="parameter_list"),
    path("parameters/<int:pk>/", views.parameter_detail, name="parameter_detail"),
    path("parameters/<int:pk>/propose/", views.propose, name="propose"),
    path("parameters/values/<int:pk>/approve/", views.approve, name="approve"),
    path("parameters/values/<int:pk>/reject/", views.reject, name="reject"),
    path("parameters/values/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("persons/<int:pk>/entitlements/", entitlement_views.entitlements, name="entitlements"),
    path("persons/<int:pk>/claims/new/", entitlement_views.claim_new, name="claim_new"),
    path("claims/<int:pk>/decide/", entitlement_views.claim_decide, name="claim_decide"),
    path("payroll/", payroll_views.payroll_list, name="payroll_list"),
    path("payroll/prepare/", payroll_views.payroll_prepare, name="payroll_prepare"),
    path("payroll/<int:pk>/", payroll_views.batch_detail, name="batch"),
    path(
        "payroll/<int:pk>/prepare/", payroll_views.batch_prepare_again, name="batch_prepare_again"
    ),
    path(
        "payroll/<int:pk>/approve-county/",
        payroll_views.batch_approve_county,
        name="batch_approve_county",
    ),
    path(
        "payroll/<int:pk>/approve-city/",
        payroll_views.batch_approve_city,
        name="batch_approve_city",
    ),
    path("payroll/<int:pk>/lock/", payroll_views.batch_lock, name="batch_lock"),
    path("payroll/<int:pk>/return/", payroll_views.batch_return, name="batch_return"),
    path("payroll/<int:pk>/summary/", payroll_views.batch_print, name="batch_print"),
    path(
        "payroll/<int:pk>/files/<slug:name>/", payroll_views.batch_download, name="batch_download"
    ),
]
