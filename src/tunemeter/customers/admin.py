"""Show customer profiles in the admin."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.customers.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "country", "created_at"]
    list_filter = ["country"]
    search_fields = ["user__username", "user__email"]
