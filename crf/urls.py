from django.urls import path

from . import views

app_name = "crf"

urlpatterns = [
    path("", views.patient_list, name="patient_list"),
    path("register/", views.patient_register, name="patient_register"),
    path("audit-trail/", views.audit_trail, name="audit_trail"),
    path("<str:screening_number>/", views.patient_detail, name="patient_detail"),
    path("<str:screening_number>/history/", views.patient_history, name="patient_history"),
    path("<str:screening_number>/edit/", views.patient_edit, name="patient_edit"),
    path("<str:screening_number>/void/", views.patient_void, name="patient_void"),
    path("<str:screening_number>/eligibility/", views.patient_eligibility, name="patient_eligibility"),
    path("<str:screening_number>/baseline/", views.patient_baseline, name="patient_baseline"),
    path("<str:screening_number>/lesions/", views.patient_lesions, name="patient_lesions"),
    path("<str:screening_number>/<slug:kind>/add/", views.record_edit, name="record_add"),
    path("<str:screening_number>/<slug:kind>/<int:pk>/", views.record_edit, name="record_edit"),
    path("<str:screening_number>/<slug:kind>/<int:pk>/void/", views.record_void, name="record_void"),
    path("<str:screening_number>/<slug:kind>/", views.record_one, name="record_one"),
]
