"""Route registration, sign-in, sign-out and password pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from tunemeter.customers import views

app_name = "customers"


def _form(view, title: str, submit: str, **kwargs):
    """Return one of Django's auth form views, rendered in the store's form page."""
    context = {"title": title, "submit": submit}
    return view.as_view(template_name="customers/form.html", extra_context=context, **kwargs)


def _message(view, title: str, message: str):
    """Return one of Django's auth "done" views, rendered as a short message page."""
    context = {"title": title, "message": message}
    return view.as_view(template_name="customers/message.html", extra_context=context)


urlpatterns = [
    path("register/", views.register, name="register"),
    path(
        "login/",
        _form(auth_views.LoginView, "Sign in", "Sign in", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        _form(
            auth_views.PasswordChangeView,
            "Change password",
            "Change password",
            success_url=reverse_lazy("customers:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        _message(
            auth_views.PasswordChangeDoneView, "Password changed", "Your password was changed."
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        _form(
            auth_views.PasswordResetView,
            "Reset your password",
            "Send me a link",
            success_url=reverse_lazy("customers:password_reset_done"),
            email_template_name="customers/password_reset_email.txt",
            subject_template_name="customers/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        _message(
            auth_views.PasswordResetDoneView,
            "Check your email",
            "If an account uses that address, a reset link is on its way.",
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        _form(
            auth_views.PasswordResetConfirmView,
            "Choose a new password",
            "Set password",
            success_url=reverse_lazy("customers:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        _message(
            auth_views.PasswordResetCompleteView,
            "Password set",
            "You can sign in with your new password.",
        ),
        name="password_reset_complete",
    ),
]
