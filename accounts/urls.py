from django.urls import path

from . import admin_views, views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/manage/", views.two_factor_manage, name="two_factor_manage"),
    path("details/", views.account_details, name="account_details"),
    path("session/status/", views.session_status, name="session_status"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.password_change_done, name="password_change_done"),
    path("practice/", admin_views.account_list, name="account_list"),
    path("practice/new/", admin_views.account_create, name="account_create"),
    path(
        "practice/<int:pk>/deactivate/",
        admin_views.account_deactivate,
        name="account_deactivate",
    ),
    path(
        "practice/<int:pk>/reactivate/",
        admin_views.account_reactivate,
        name="account_reactivate",
    ),
    path(
        "practice/<int:pk>/reset-2fa/",
        admin_views.account_reset_two_factor,
        name="account_reset_two_factor",
    ),
]
