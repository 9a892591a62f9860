from django.urls import path, re_path

from enrolment.documents import ENROLMENT_DOCUMENTS, document_url_name

from . import (
    account_views,
    attendance_views,
    document_views,
    export_views,
    session_views,
    views,
)
from .import_views import import_confirm, import_template, import_upload

app_name = "providers"

urlpatterns = [
    path("connexion/", views.ProviderLoginView.as_view(), name="login"),
    path("deconnexion/", views.ProviderLogoutView.as_view(), name="logout"),
    path("espace-organisme/", views.home, name="home"),
    # Accounts: invitation and password reset (providers' members and OPCO staff).
    path(
        "espace-organisme/invitation/<uidb64>/<token>/",
        account_views.InvitationAcceptView.as_view(),
        name="invitation",
    ),
    path(
        "mot-de-passe-oublie/",
        account_views.PasswordResetRequestView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe-oublie/envoye/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/enregistre/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("espace-organisme/sessions/<int:pk>/", views.session_detail, name="session"),
    # A provider proposes a session, or changes one.
    path(
        "espace-organisme/sessions/nouvelle/",
        session_views.session_create,
        name="session_create",
    ),
    path(
        "espace-organisme/sessions/<int:pk>/modifier/",
        session_views.session_edit,
        name="session_edit",
    ),
    path(
        "espace-organisme/inscriptions/<int:pk>/valider/",
        views.enrolment_validate,
        name="enrolment_validate",
    ),
    path(
        "espace-organisme/inscriptions/<int:pk>/refuser/",
        views.enrolment_refuse,
        name="enrolment_refuse",
    ),
    path(
        "espace-organisme/sessions/<int:pk>/participants.csv",
        export_views.participants_export,
        {"file_format": "csv"},
        name="participants_csv",
    ),
    path(
        "espace-organisme/sessions/<int:pk>/participants.xlsx",
        export_views.participants_export,
        {"file_format": "xlsx"},
        name="participants_xlsx",
    ),
    path(
        "espace-organisme/sessions/<int:pk>/presences/",
        attendance_views.attendance,
        name="attendance",
    ),
    # The documents of a session as PDF.
    path(
        "espace-organisme/sessions/<int:pk>/documents/feuille-emargement.pdf",
        document_views.attendance_sheet,
        name="document_attendance_sheet",
    ),
    *[
        path(
            f"espace-organisme/sessions/<int:pk>/documents/<int:enrolment_pk>/{kind}.pdf",
            document_views.enrolment_document,
            {"kind": kind},
            name=document_url_name(kind),
        )
        for kind in ENROLMENT_DOCUMENTS
    ],
    # The spreadsheet upload of sessions.
    path("espace-organisme/import/", import_upload, name="import"),
    path("espace-organisme/import/confirmer/", import_confirm, name="import_confirm"),
    re_path(
        r"^espace-organisme/import/modele\.(?P<file_format>csv|xlsx)$",
        import_template,
        name="import_template",
    ),
]
