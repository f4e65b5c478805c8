"""Test that every admin list and add page renders for staff."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_renders(client):
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    client.force_login(staff)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
