from django.urls import path

from . import views

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
]
