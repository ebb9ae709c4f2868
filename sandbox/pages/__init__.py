"""TikTok's hosted TikTok for Business pages: login, the Business Extension onboarding and the *Manage*
destinations (README.md lists the paths). Templates are under sandbox/templates/."""

from __future__ import annotations

from sandbox.core import SandboxApp
from sandbox.pages import account, manage, onboarding


def register(app: SandboxApp) -> None:
    app.add_route("/", "page:home", account.home)
    app.add_route("/static/sandbox.css", "page:css", account.stylesheet)
    app.add_route("/login", "page:login", account.login, ("GET", "POST"))
    app.add_route("/logout", "page:logout", account.logout, ("POST",))
    app.add_route("/business-extension/auth", "page:onboarding", onboarding.onboarding_entry)
    app.add_route("/business-extension/setup/<onb_id>/", "page:setup", onboarding.setup, ("GET", "POST"))
    app.add_route("/bc/<bc_id>/", "page:bc", manage.business_center)
    app.add_route("/ads/<adv_id>/", "page:ads", manage.ads_manager)
    app.add_route("/ads/<adv_id>/create/", "page:ads_create", manage.ads_create, ("GET", "POST"))
    app.add_route("/events-manager/pixel/<pixel_code>/", "page:pixel", manage.pixel_page, ("GET", "POST"))
    app.add_route(
        "/catalog-manager/<bc_id>/<catalog_id>/", "page:catalog", manage.catalog_manager, ("GET", "POST")
    )
    app.add_route("/ac/page/authorizations", "page:authorizations", manage.authorizations, ("GET", "POST"))
