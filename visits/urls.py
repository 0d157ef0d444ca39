from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("due/", views.due_visits, name="due_visits"),
    path("patient/<str:screening_number>/missed/", views.mark_missed, name="mark_missed"),
]
