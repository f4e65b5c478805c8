"""Show customer profiles and API tokens (never their secrets) in the admin."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.customers.models import ApiToken, Profile
from tunemeter.customers.tokens import token_revoke


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "country", "created_at"]
    list_filter = ["country"]
    search_fields = ["user__username", "user__email"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners on the account page; staff may only look and revoke."""

    list_display = ["prefix", "name", "user", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username", "user__email"]
    exclude = ["digest"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(user=token.user, token_id=token.pk)
