"""Render registration and the account overview; sign-in, sign-out and passwords use Django's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_countries import countries

from tunemeter.customers.forms import RegistrationForm, country_from_languages
from tunemeter.customers.selectors import customer_territory
from tunemeter.customers.services import customer_register
from tunemeter.customers.signin import registration_allowed
from tunemeter.httputil import safe_next, too_many_requests
from tunemeter.ledger.selectors import balance_minor


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not registration_allowed(
        address=request.META.get("REMOTE_ADDR", "")
    ):
        return too_many_requests(3600, _("Too many attempts from your network; try later."))
    guess = country_from_languages(request.headers.get("Accept-Language", ""))
    form = RegistrationForm(request.POST or None, initial={"country": guess})
    if request.method == "POST" and form.is_valid():
        user = customer_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            country=form.cleaned_data["country"],
        )
        # login() rotates the session key, so a planted session id is worthless.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(safe_next(request) or "storefront:home")
    context = {
        "form": form,
        "title": _("Create an account"),
        "submit": _("Create account"),
        "is_register": True,
        "next": safe_next(request),
    }
    return render(request, "customers/register.html", context)


@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    """Show the account: email, country, balance, and links to everything else."""
    currency = settings.STORE_CURRENCY
    territory = customer_territory(user=request.user)
    context = {
        "territory": territory,
        "country": countries.name(territory) if territory else "",
        "balance_minor": balance_minor(user=request.user, currency=currency),
        "currency": currency,
    }
    return render(request, "customers/account.html", context)
