from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("sessions/<int:pk>/inscription/", views.enrol, name="enrol"),
]
