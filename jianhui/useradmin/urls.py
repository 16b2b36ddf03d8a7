from django.urls import path

from . import views

urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("add/", views.user_add, name="user_add"),
    path("<str:username>/", views.user_detail, name="user_detail"),
    path("<str:username>/roles/<str:code>/remove/", views.role_remove, name="user_role_remove"),
    path("<str:username>/<str:op>/", views.user_confirm, name="user_confirm"),
]
