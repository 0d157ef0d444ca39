from django.urls import path

from . import views

app_name = "randomization"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("patient/<str:screening_number>/", views.randomize, name="randomize"),
    path("patient/<str:screening_number>/confirmation/", views.confirmation, name="confirmation"),
]
