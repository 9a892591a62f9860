from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("modules/<slug:slug>/", views.module_detail, name="module_detail"),
    path("organismes/<slug:slug>/", views.provider_detail, name="provider_detail"),
]
