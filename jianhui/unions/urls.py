from django.urls import path

from . import views

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("<str:key>/", views.organisation_detail, name="organisation_detail"),
]
