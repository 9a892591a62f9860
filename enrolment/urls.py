from django.urls import path

from . import views
from .documents import ENROLMENT_DOCUMENTS, document_url_name

app_name = "enrolment"

urlpatterns = [
    path("sessions/<int:pk>/inscription/", views.enrol, name="enrol"),
    path("sessions/<int:pk>/inscription/envoyee/", views.received, name="received"),
    path("sessions/<int:pk>/rappel/", views.reminder_subscribe, name="reminder_subscribe"),
    path("sessions/<int:pk>/rappel/envoye/", views.reminder_requested, name="reminder_requested"),
    path("rappel/<str:token>/confirmer/", views.reminder_confirm, name="reminder_confirm"),
    path("rappel/<str:token>/arreter/", views.reminder_unsubscribe, name="reminder_unsubscribe"),
    path("inscription/lien/", views.link_request, name="link_request"),
    path("inscription/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("inscription/<str:token>/", views.detail, name="detail"),
    path("inscription/<str:token>/confirmation/", views.done, name="done"),
    path("inscription/<str:token>/annuler/", views.cancel, name="cancel"),
    path("inscription/<str:token>/accepter/", views.accept_offer, name="accept_offer"),
    path("inscription/<str:token>/agenda.ics", views.calendar, name="calendar"),
    path("inscription/<str:token>/evaluation/", views.satisfaction, name="satisfaction"),
    *[
        path(
            f"inscription/<str:token>/{kind}.pdf",
            views.document,
            {"kind": kind},
            name=document_url_name(kind),
        )
        for kind in ENROLMENT_DOCUMENTS
    ],
]
