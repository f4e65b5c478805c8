"""Route registration, sign-in, sign-out and password pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from tunemeter.customers import views

app_name = "customers"
urlpatterns = [
    path("register/", views.register, name="register"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True,
            template_name="customers/form.html",
            extra_context={"title": "Sign in", "submit": "Sign in"},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("customers:password_change_done"),
            template_name="customers/form.html",
            extra_context={"title": "Change password", "submit": "Change password"},
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="customers/message.html",
            extra_context={"title": "Password changed", "message": "Your password was changed."},
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("customers:password_reset_done"),
            template_name="customers/form.html",
            email_template_name="customers/password_reset_email.txt",
            subject_template_name="customers/password_reset_subject.txt",
            extra_context={"title": "Reset your password", "submit": "Send me a link"},
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="customers/message.html",
            extra_context={
                "title": "Check your email",
                "message": "If an account uses that address, a reset link is on its way.",
            },
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("customers:password_reset_complete"),
            template_name="customers/form.html",
            extra_context={"title": "Choose a new password", "submit": "Set password"},
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="customers/message.html",
            extra_context={
                "title": "Password set",
                "message": "You can sign in with your new password.",
            },
        ),
        name="password_reset_complete",
    ),
]
