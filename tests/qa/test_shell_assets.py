"""Every admin page names an icon, so the browser does not fall back to /favicon.ico (a 404 on every page),
and every static asset the shell links to exists."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["login", "dashboard"])
def test_shell_links_an_icon_and_only_existing_static_files(store, admin_user_of_store, page: str) -> None:
    client = Client()
    if page == "dashboard":
        client.force_login(admin_user_of_store)
        response = client.get(reverse("store-dashboard", kwargs={"account": store.account}))
    else:
        response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', body)
    assert len(icons) == 1
    assets = re.findall(r'(?:href|src)="/static/([^"?]+)"', body)
    assert icons[0].removeprefix("/static/") in assets
    missing = [a for a in assets if finders.find(a) is None]
    assert missing == []
