"""Render registration; sign-in, sign-out and passwords use Django's auth views."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tunemeter.customers.forms import RegistrationForm
from tunemeter.customers.services import customer_register


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = customer_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            country=form.cleaned_data["country"],
        )
        # login() rotates the session key, so a planted session id is worthless.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("storefront:home")
    context = {"form": form, "title": "Create an account", "submit": "Create account"}
    return render(request, "customers/register.html", context)
