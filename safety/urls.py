from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("terms/", views.term_search, name="term_search"),
    path("to-sign/", views.ae_to_sign, name="ae_to_sign"),
    path("summary/", views.safety_summary, name="summary"),
    path("patient/<str:screening_number>/add/", views.ae_edit, name="ae_add"),
    path("patient/<str:screening_number>/<int:pk>/", views.ae_detail, name="ae_detail"),
    path("patient/<str:screening_number>/<int:pk>/edit/", views.ae_edit, name="ae_edit"),
    path("patient/<str:screening_number>/<int:pk>/void/", views.ae_void, name="ae_void"),
]
