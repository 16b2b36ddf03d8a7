from django.urls import path

from . import views

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("<str:key>/", views.organisation_detail, name="organisation_detail"),
    path("<str:key>/edit/", views.organisation_edit, name="organisation_edit"),
]
