from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import user_views, views

urlpatterns = [
    path("login/", login_not_required(views.LoginView.as_view()), name="login"),
    path("login/otp/", views.login_otp, name="login_otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("security/", views.security, name="account_security"),
]

users_urlpatterns = [
    path("", user_views.user_list, name="user_list"),
    path("add/", user_views.user_add, name="user_add"),
    path("<str:username>/", user_views.user_detail, name="user_detail"),
    path("<str:username>/roles/<str:code>/remove/", user_views.role_remove, name="user_role_remove"),
    path("<str:username>/<str:op>/", user_views.user_confirm, name="user_confirm"),
]
