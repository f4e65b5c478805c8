"""Route registration, sign-in, sign-out and password pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from tunemeter.customers import views
from tunemeter.customers.forms import SignInForm

app_name = "customers"


def _form(view, title: str, submit: str, extra: dict | None = None, **kwargs):
    """Return one of Django's auth form views, rendered in the store's form page."""
    context = {"title": title, "submit": submit, **(extra or {})}
    return view.as_view(template_name="customers/form.html", extra_context=context, **kwargs)


def _message(view, title: str, message: str):
    """Return one of Django's auth "done" views, rendered as a short message page."""
    context = {"title": title, "message": message}
    return view.as_view(template_name="customers/message.html", extra_context=context)


urlpatterns = [
    path("", views.account, name="account"),
    path("register/", views.register, name="register"),
    path("tokens/", views.token_new, name="token_new"),
    path("tokens/<int:token_id>/revoke/", views.token_delete, name="token_revoke"),
    path(
        "login/",
        _form(
            auth_views.LoginView,
            _("Sign in"),
            _("Sign in"),
            redirect_authenticated_user=True,
            authentication_form=SignInForm,
            extra={"is_login": True},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        _form(
            auth_views.PasswordChangeView,
            _("Change password"),
            _("Change password"),
            success_url=reverse_lazy("customers:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        _message(
            auth_views.PasswordChangeDoneView,
            _("Password changed"),
            _("Your password was changed."),
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        _form(
            auth_views.PasswordResetView,
            _("Reset your password"),
            _("Send me a link"),
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
            _("Check your email"),
            _("If an account uses that address, a reset link is on its way."),
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        _form(
            auth_views.PasswordResetConfirmView,
            _("Choose a new password"),
            _("Set password"),
            success_url=reverse_lazy("customers:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        _message(
            auth_views.PasswordResetCompleteView,
            _("Password set"),
            _("You can sign in with your new password."),
        ),
        name="password_reset_complete",
    ),
]
