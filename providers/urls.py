from django.urls import path, re_path

from . import attendance_views, export_views, views

app_name = "providers"

urlpatterns = [
    path("connexion/", views.ProviderLoginView.as_view(), name="login"),
    path("deconnexion/", views.ProviderLogoutView.as_view(), name="logout"),
    path("espace-organisme/", views.home, name="home"),
    path("espace-organisme/sessions/<int:pk>/", views.session_detail, name="session"),
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
    re_path(
        r"^espace-organisme/sessions/(?P<pk>[0-9]+)/participants\.(?P<file_format>csv|xlsx)$",
        export_views.participants_export,
        name="participants_export",
    ),
    path(
        "espace-organisme/sessions/<int:pk>/presences/",
        attendance_views.attendance,
        name="attendance",
    ),
]
