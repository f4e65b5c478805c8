"""Validate the registration and sign-in forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField


class RegistrationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    country = LazyTypedChoiceField(
        label=_("Country"), choices=countries, help_text=_("Where you live: licences depend on it.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Named in the visitor's language, and no country chosen for them: the first
        # entry asks (a guess from the browser's language may be preselected).
        self.fields["country"].choices = [("", _("Choose your country")), *countries]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        if password := cleaned.get("password"):
            email = cleaned.get("email", "")
            user = get_user_model()(username=email, email=email)
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class SignInForm(AuthenticationForm):
    """Sign in with the email address (customers' usernames are their emails)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget.attrs["autocomplete"] = "email"


def country_from_languages(accept_language: str) -> str:
    """Return the country of the browser's first language with a region (ru-RU → RU), or ""."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        pieces = tag.split("-")
        if len(pieces) >= 2 and len(pieces[1]) == 2 and pieces[1].isalpha():
            code = pieces[1].upper()
            if code in dict(countries):
                return code
    return ""
