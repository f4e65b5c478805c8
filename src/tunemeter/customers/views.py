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
from tunemeter.customers.models import ApiToken
from tunemeter.customers.selectors import customer_territory, tokens_of
from tunemeter.customers.services import customer_register
from tunemeter.customers.signin import registration_allowed
from tunemeter.customers.tokens import TokenError, token_create, token_revoke
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
    """Show the account: email, country, balance, API tokens, and links to everything else."""
    return _account_page(request)


def _account_page(
    request: HttpRequest, *, new_secret: str = "", token_error: str = "", status: int = 200
) -> HttpResponse:
    currency = settings.STORE_CURRENCY
    territory = customer_territory(user=request.user)
    context = {
        "territory": territory,
        "country": countries.name(territory) if territory else "",
        "balance_minor": balance_minor(user=request.user, currency=currency),
        "currency": currency,
        "tokens": tokens_of(user=request.user),
        "scopes": ApiToken.SCOPES,
        "new_secret": new_secret,
        "token_error": token_error,
    }
    response = render(request, "customers/account.html", context, status=status)
    if new_secret:
        # The page carries a secret shown once: never keep it in a cache or the history.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    """Create a personal API token and show it once on the account page."""
    try:
        created = token_create(
            user=request.user,
            name=request.POST.get("name", ""),
            scopes=request.POST.getlist("scopes"),
        )
    except TokenError as exc:
        return _account_page(request, token_error=str(exc), status=422)
    return _account_page(request, new_secret=created.secret)


@login_required
@require_http_methods(["POST"])
def token_delete(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's API tokens."""
    token_revoke(user=request.user, token_id=token_id)
    return redirect("customers:account")
