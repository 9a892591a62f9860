from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("sessions/<int:pk>/inscription/", views.enrol, name="enrol"),
    path("sessions/<int:pk>/inscription/envoyee/", views.received, name="received"),
    path("inscription/lien/", views.link_request, name="link_request"),
    path("inscription/<str:token>/", views.detail, name="detail"),
    path("inscription/<str:token>/confirmation/", views.done, name="done"),
    path("inscription/<str:token>/annuler/", views.cancel, name="cancel"),
    path("inscription/<str:token>/accepter/", views.accept_offer, name="accept_offer"),
    path("inscription/<str:token>/agenda.ics", views.calendar, name="calendar"),
]
