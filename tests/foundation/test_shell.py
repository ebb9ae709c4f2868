"""The admin shell: membership and roles, store switcher, languages, login throttling."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from store.models import Role

pytestmark = pytest.mark.django_db


def store_admin_urls(account: str) -> list[str]:
    """Every named URL under /admin/<account>/ that takes only the account (from every package), plus
    the ones of this package that need one more argument."""
    urls = set()
    for name in get_resolver().reverse_dict:
        if not isinstance(name, str):
            continue
        try:
            path = reverse(name, kwargs={"account": account})
        except NoReverseMatch:
            continue
        if path.startswith(f"/admin/{account}/"):
            urls.add(path)
    urls.add(reverse("apps-install", kwargs={"account": account, "app": "tiktok"}))
    urls.add(reverse("apps-uninstall", kwargs={"account": account, "app": "tiktok"}))
    return sorted(urls)


def test_a_user_never_sees_another_stores_admin(client, store, make_store, make_user):
    other = make_store(account="outraloja", name="Outra Loja")
    client.force_login(make_user(store, Role.ADMIN))
    urls = store_admin_urls(other.account)
    assert f"/admin/{other.account}/" in urls
    assert f"/admin/{other.account}/apps/" in urls
    assert len(urls) >= 6
    for path in urls:
        ghost = path.replace(f"/admin/{other.account}/", "/admin/nao-existe/", 1)
        for method in (client.get, client.post):
            response = method(path)
            # 404, or a 405 that a made-up account gets too: nothing tells the store exists.
            assert response.status_code in (404, 405), (method.__name__, path)
            assert response.status_code == method(ghost).status_code, (method.__name__, path)
            assert b"Outra Loja" not in response.content
    for page in ("", "apps/", "apps/store/", "marketplace/tiktok/"):
        assert client.get(f"/admin/{other.account}/{page}").status_code == 404
    # And the shell never lists it.
    body = client.get(reverse("store-dashboard", kwargs={"account": store.account})).content.decode()
    assert "Outra Loja" not in body


def test_anonymous_users_are_sent_to_login(client, store):
    for path in store_admin_urls(store.account):
        responses = [client.get(path), client.post(path)]
        # The method the view accepts sends to login; the other one is 405. Never a page.
        assert {r.status_code for r in responses} <= {302, 405}, path
        redirects = [r for r in responses if r.status_code == 302]
        assert redirects, path
        assert all(r["Location"].startswith("/accounts/login/?next=") for r in redirects), path


def test_unknown_store_is_404_not_a_hint(client, store, make_user):
    client.force_login(make_user(store, Role.ADMIN))
    assert client.get("/admin/nao-existe/").status_code == 404


def test_store_switcher_lists_my_stores_and_refuses_others(client, store, make_store, make_user):
    second = make_store(account="segunda", name="Segunda Loja")
    other = make_store(account="outraloja", name="Outra Loja")
    user = make_user(store, Role.ADMIN)
    from store.models import Membership

    Membership.objects.create(user=user, store=second, role=Role.VIEWER)
    client.force_login(user)
    body = client.get(reverse("store-dashboard", kwargs={"account": store.account})).content.decode()
    assert '<option value="lojademo" selected>Loja Demo</option>' in body
    assert '<option value="segunda">Segunda Loja</option>' in body
    response = client.post(reverse("switch-store"), {"account": "segunda"})
    assert response["Location"] == "/admin/segunda/"
    assert client.get("/admin/").headers["Location"] == "/admin/segunda/"
    assert client.post(reverse("switch-store"), {"account": other.account}).status_code == 404
    assert client.get("/admin/").headers["Location"] == "/admin/segunda/"


def test_user_without_store_sees_the_no_store_page(client, make_user):
    client.force_login(make_user(None))
    response = client.get("/admin/")
    assert response.status_code == 403
    assert (
        "Your user is not a member of any store. Ask a store admin to add you." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("language", "strings"),
    [
        (
            "pt-br",
            [
                '<html lang="pt-br">',
                ">Painel</a>",
                ">Meus apps</a>",
                ">Ver loja</a>",
                "Pedidos recentes",
                ">Sair</button>",
                '<option value="es">Español</option>',
                "Nenhum pedido ainda.",
                "Marketplace</div>",
                "Visualizador",
            ],
        ),
        (
            "es",
            [
                '<html lang="es">',
                ">Panel</a>",
                ">Mis apps</a>",
                ">Ver tienda</a>",
                "Pedidos recientes",
                ">Cerrar sesión</button>",
                "Todavía no hay pedidos.",
                "Marketplace</div>",
                "Lector",
            ],
        ),
        (
            "en",
            [
                '<html lang="en">',
                ">Dashboard</a>",
                ">My apps</a>",
                ">View storefront</a>",
                "Recent orders",
                ">Sign out</button>",
                "No orders yet.",
                "Marketplace</div>",
                "Viewer",
            ],
        ),
    ],
)
def test_admin_shell_in_three_languages(client, store, viewer_user_of_store, language, strings):
    client.force_login(viewer_user_of_store)
    client.cookies["tta_language"] = language
    body = client.get(reverse("store-dashboard", kwargs={"account": store.account})).content.decode()
    for text in strings:
        assert text in body, text
    assert " style=" not in body


def test_language_switcher_sets_the_cookie(client, store, viewer_user_of_store):
    client.force_login(viewer_user_of_store)
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/admin/lojademo/"})
    assert response.status_code == 302
    assert response.cookies["tta_language"].value == "es"
    body = client.get("/admin/lojademo/").content.decode()
    assert ">Panel</a>" in body


@pytest.mark.parametrize(
    ("language", "title", "error"),
    [
        ("pt-br", "Entrar no Admin", "Muitas tentativas sem sucesso. Tente novamente em alguns minutos."),
        (
            "es",
            "Iniciar sesión en el Admin",
            "Demasiados intentos fallidos. Inténtalo de nuevo en unos minutos.",
        ),
        ("en", "Sign in to the Admin", "Too many failed attempts. Try again in a few minutes."),
    ],
)
def test_login_is_throttled_after_repeated_failures(client, make_user, settings, language, title, error):
    cache.clear()
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user(None, username="ana", password="right-password-1")
    client.cookies["tta_language"] = language
    assert title in client.get("/accounts/login/").content.decode()
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "ana", "password": "wrong"}).status_code == 200
    blocked = client.post("/accounts/login/", {"username": "ana", "password": "right-password-1"})
    assert blocked.status_code == 429
    assert error in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another username from the same address is not locked out by ana's failures.
    make_user(None, username="bia", password="right-password-2")
    ok = client.post("/accounts/login/", {"username": "bia", "password": "right-password-2"})
    assert ok.status_code == 302
    cache.clear()


def test_successful_login_resets_the_failure_count(client, make_user, settings):
    cache.clear()
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user(None, username="ana", password="right-password-1")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "ana", "password": "right-password-1"}).status_code
        == 302
    )
    client.logout()
    for _ in range(2):
        assert client.post("/accounts/login/", {"username": "ana", "password": "wrong"}).status_code == 200
    assert (
        client.post("/accounts/login/", {"username": "ana", "password": "right-password-1"}).status_code
        == 302
    )
    cache.clear()


def test_dashboard_shows_order_times_in_the_store_time_zone(client, store, admin_user_of_store, make_store):
    import datetime as dt
    from decimal import Decimal

    from store.models import Order

    order = Order.objects.create(store=store, number="1000001-01", currency="BRL", total=Decimal("1234.50"))
    Order.objects.filter(pk=order.pk).update(created_at=dt.datetime(2026, 3, 1, 1, 15, tzinfo=dt.UTC))
    client.force_login(admin_user_of_store)
    body = client.get("/admin/lojademo/").content.decode()
    assert 'data-testid="order-time">Feb. 28, 2026, 10:15 p.m.<' in body
    assert "R$ 1.234,50" in body
    # The zone does not leak: a store in Buenos Aires (also UTC-3) vs. one in Manaus (UTC-4).
    manaus = make_store(account="lojamanaus", time_zone="America/Manaus")
    from store.models import Membership

    Membership.objects.create(user=admin_user_of_store, store=manaus, role=Role.ADMIN)
    other = Order.objects.create(store=manaus, number="1000002-01", currency="BRL")
    Order.objects.filter(pk=other.pk).update(created_at=dt.datetime(2026, 3, 1, 1, 15, tzinfo=dt.UTC))
    assert (
        'data-testid="order-time">Feb. 28, 2026, 9:15 p.m.<'
        in client.get("/admin/lojamanaus/").content.decode()
    )
    assert (
        'data-testid="order-time">Feb. 28, 2026, 10:15 p.m.<'
        in client.get("/admin/lojademo/").content.decode()
    )
