"""The strings TikTok localises on the sandbox's hosted pages: TikTok for Business (onboarding follows
`external_data.locale`) and the TikTok Shop seller authorization page (`shop_*`).

A key ending in `_html` holds markup; the templates escape what is formatted into it, not the text itself."""

from __future__ import annotations

from typing import Any

LANGS = ("en", "pt", "es")

STRINGS: dict[str, dict[str, str]] = {
    "setup_title": {
        "en": "Set Up TikTok for Business",
        "pt": "Configurar o TikTok for Business",
        "es": "Configurar TikTok for Business",
    },
    "login_title": {
        "en": "Log in to TikTok for Business",
        "pt": "Entrar no TikTok for Business",
        "es": "Iniciar sesión en TikTok for Business",
    },
    "error_title": {"en": "Something went wrong", "pt": "Algo deu errado", "es": "Algo salió mal"},
    "error_external_data": {
        "en": "This connection link is invalid or has expired. Go back to your store and try connecting "
        "again.",
        "pt": "Este link de conexão é inválido ou expirou. Volte para a sua loja e tente conectar novamente.",
        "es": "Este enlace de conexión no es válido o ha caducado. Vuelve a tu tienda e intenta conectar "
        "de nuevo.",
    },
    "connecting": {
        "en": "Connect {store} from {platform} to TikTok.",
        "pt": "Conecte {store} da {platform} ao TikTok.",
        "es": "Conecta {store} de {platform} con TikTok.",
    },
    "business_center": {"en": "Business Center", "pt": "Business Center", "es": "Business Center"},
    "ad_account": {"en": "Ad Account", "pt": "Conta de anúncios", "es": "Cuenta publicitaria"},
    "data_sharing": {
        "en": "Data Sharing",
        "pt": "Compartilhamento de dados",
        "es": "Uso compartido de datos",
    },
    "catalog": {"en": "Catalog", "pt": "Catálogo", "es": "Catálogo"},
    "connect_existing": {"en": "Connect existing", "pt": "Conectar existente", "es": "Conectar existente"},
    "create_new_bc": {
        "en": "Create new Business Center",
        "pt": "Criar novo Business Center",
        "es": "Crear nuevo Business Center",
    },
    "create_new_adv": {
        "en": "Create new ad account",
        "pt": "Criar nova conta de anúncios",
        "es": "Crear nueva cuenta publicitaria",
    },
    "create_new_pixel": {"en": "Create new pixel", "pt": "Criar novo pixel", "es": "Crear nuevo píxel"},
    "create_new_catalog": {
        "en": "Create new catalog",
        "pt": "Criar novo catálogo",
        "es": "Crear nuevo catálogo",
    },
    "name": {"en": "Name", "pt": "Nome", "es": "Nombre"},
    "advanced_matching": {
        "en": "Turn on Advanced Matching",
        "pt": "Ativar a correspondência avançada",
        "es": "Activar la coincidencia avanzada",
    },
    "advanced_matching_help": {
        "en": "Share hashed customer e-mail and phone number to match more events.",
        "pt": "Compartilhe e-mail e telefone dos clientes (com hash) para corresponder mais eventos.",
        "es": "Comparte el correo y el teléfono de los clientes (con hash) para asociar más eventos.",
    },
    "finish": {"en": "Finish Setup", "pt": "Concluir configuração", "es": "Finalizar configuración"},
    "cancel": {"en": "Cancel", "pt": "Cancelar", "es": "Cancelar"},
    "admin_required": {
        "en": "Admin permission required",
        "pt": "Permissão de administrador necessária",
        "es": "Se requiere permiso de administrador",
    },
    "err_not_admin": {
        "en": "You need Admin permission in this Business Center to connect it.",
        "pt": "Você precisa de permissão de administrador neste Business Center para conectá-lo.",
        "es": "Necesitas permiso de administrador en este Business Center para conectarlo.",
    },
    "err_no_ads": {
        "en": "No TikTok Ads Manager account is linked to your business account. Link one in TikTok Ads "
        "Manager, "
        "then try again.",
        "pt": "Nenhuma conta do TikTok Ads Manager está vinculada à sua conta comercial. Vincule uma no "
        "TikTok Ads "
        "Manager e tente novamente.",
        "es": "No hay ninguna cuenta de TikTok Ads Manager vinculada a tu cuenta comercial. Vincula una en "
        "TikTok "
        "Ads Manager e inténtalo de nuevo.",
    },
    "err_mismatch": {
        "en": "The selected ad account, pixel and catalog must belong to the selected Business Center.",
        "pt": "A conta de anúncios, o pixel e o catálogo selecionados devem pertencer ao Business Center "
        "selecionado.",
        "es": "La cuenta publicitaria, el píxel y el catálogo seleccionados deben pertenecer al Business "
        "Center "
        "seleccionado.",
    },
    "err_name": {
        "en": "Enter a name for each item you create.",
        "pt": "Informe um nome para cada item criado.",
        "es": "Introduce un nombre para cada elemento que crees.",
    },
    "err_expired": {
        "en": "This setup session has expired. Start again from your store.",
        "pt": "Esta sessão de configuração expirou. Comece novamente pela sua loja.",
        "es": "Esta sesión de configuración ha caducado. Vuelve a empezar desde tu tienda.",
    },
    "email": {"en": "E-mail", "pt": "E-mail", "es": "Correo electrónico"},
    "password": {"en": "Password", "pt": "Senha", "es": "Contraseña"},
    "log_in": {"en": "Log in", "pt": "Entrar", "es": "Iniciar sesión"},
    "log_out": {"en": "Log out", "pt": "Sair", "es": "Cerrar sesión"},
    "auth_platforms": {
        "en": "Connected platforms",
        "pt": "Plataformas conectadas",
        "es": "Plataformas conectadas",
    },
    "auth_none": {
        "en": "No platforms are connected to your account.",
        "pt": "Nenhuma plataforma está conectada à sua conta.",
        "es": "No hay plataformas conectadas a tu cuenta.",
    },
    "auth_removed": {
        "en": "{platform} was removed. It can no longer access your TikTok data.",
        "pt": "{platform} foi removida. Ela não pode mais acessar os seus dados do TikTok.",
        "es": "{platform} se eliminó. Ya no puede acceder a tus datos de TikTok.",
    },
    "auth_connected_at": {
        "en": "connected {when} UTC",
        "pt": "conectada em {when} UTC",
        "es": "conectada el {when} UTC",
    },
    "nav_home": {"en": "Home", "pt": "Início", "es": "Inicio"},
    "nav_authorizations": {"en": "Authorizations", "pt": "Autorizações", "es": "Autorizaciones"},
    "demo_accounts": {
        "en": "Demo accounts: {accounts} (password: {password})",
        "pt": "Contas de demonstração: {accounts} (senha: {password})",
        "es": "Cuentas de demostración: {accounts} (contraseña: {password})",
    },
    "footer": {
        "en": "TikTok for Business sandbox · local emulator",
        "pt": "Sandbox do TikTok for Business · emulador local",
        "es": "Sandbox de TikTok for Business · emulador local",
    },
    "bad_login": {
        "en": "Incorrect e-mail or password.",
        "pt": "E-mail ou senha incorretos.",
        "es": "Correo o contraseña incorrectos.",
    },
    "no_permission_title": {
        "en": "You don't have permission",
        "pt": "Você não tem permissão",
        "es": "No tienes permiso",
    },
    "business_center_title": {"en": "Business Center", "pt": "Business Center", "es": "Business Center"},
    "ads_manager_title": {
        "en": "Ads Manager",
        "pt": "Gerenciador de anúncios",
        "es": "Administrador de anuncios",
    },
    "create_ad_title": {"en": "Create an ad", "pt": "Criar um anúncio", "es": "Crear un anuncio"},
    "pixel_title": {
        "en": "Events Manager · Pixel",
        "pt": "Gerenciador de eventos · Pixel",
        "es": "Administrador de eventos · Píxel",
    },
    "catalog_manager_title": {
        "en": "Catalog Manager",
        "pt": "Gerenciador de catálogos",
        "es": "Administrador de catálogos",
    },
    "authorizations_title": {"en": "Authorizations", "pt": "Autorizações", "es": "Autorizaciones"},
    "remove": {"en": "Remove", "pt": "Remover", "es": "Eliminar"},
    # -- TikTok Shop seller authorization page (sandbox/shop/) --------------------------------------------
    "shop_login_title": {
        "en": "Log in to TikTok Shop",
        "pt": "Entrar no TikTok Shop",
        "es": "Iniciar sesión en TikTok Shop",
    },
    "shop_email": {"en": "Email", "pt": "E-mail", "es": "Correo electrónico"},
    "shop_bad_login": {
        "en": "Incorrect email or password.",
        "pt": "E-mail ou senha incorretos.",
        "es": "Correo electrónico o contraseña incorrectos.",
    },
    "shop_same_login": {
        "en": "Use the same login as TikTok for Business.",
        "pt": "Use o mesmo login do TikTok for Business.",
        "es": "Usa el mismo inicio de sesión que en TikTok for Business.",
    },
    "shop_sandbox_accounts_html": {
        "en": "Sandbox: demo@tiktok.test (owner), noadmin@tiktok.test (shop member, not owner); password "
        "<code>sandbox</code>.",
        "pt": "Sandbox: demo@tiktok.test (proprietário), noadmin@tiktok.test (membro da loja, não "
        "proprietário); senha <code>sandbox</code>.",
        "es": "Sandbox: demo@tiktok.test (propietario), noadmin@tiktok.test (miembro de la tienda, no "
        "propietario); contraseña <code>sandbox</code>.",
    },
    "shop_connect_title": {
        "en": "Connect TikTok Shop to {platform}",
        "pt": "Conectar o TikTok Shop à {platform}",
        "es": "Conectar TikTok Shop con {platform}",
    },
    "shop_asks_html": {
        "en": "{platform} store <strong>{store}</strong> asks to connect a TikTok Shop and read its orders.",
        "pt": "A loja <strong>{store}</strong> da {platform} pede para conectar um TikTok Shop e ler os"
        " pedidos dele.",
        "es": "La tienda <strong>{store}</strong> de {platform} pide conectar una TikTok Shop y leer sus"
        " pedidos.",
    },
    "shop_signed_in": {
        "en": "Signed in as {name}",
        "pt": "Conectado como {name}",
        "es": "Sesión iniciada como {name}",
    },
    "shop_region": {"en": "Region", "pt": "Região", "es": "Región"},
    "shop_owner": {"en": "Shop owner", "pt": "Proprietário da loja", "es": "Propietario de la tienda"},
    "shop_member": {"en": "Member", "pt": "Membro", "es": "Miembro"},
    "shop_no_shop": {
        "en": "This account has no TikTok Shop.",
        "pt": "Esta conta não tem TikTok Shop.",
        "es": "Esta cuenta no tiene TikTok Shop.",
    },
    "shop_authorize": {"en": "Authorize", "pt": "Autorizar", "es": "Autorizar"},
    "shop_switch": {"en": "Use another account", "pt": "Usar outra conta", "es": "Usar otra cuenta"},
    "shop_expired": {
        "en": "This authorization has expired",
        "pt": "Esta autorização expirou",
        "es": "Esta autorización caducó",
    },
    "shop_again": {
        "en": "Start again from your store.",
        "pt": "Comece de novo a partir da sua loja.",
        "es": "Vuelve a empezar desde tu tienda.",
    },
}


def text(lang: str, key: str) -> str:
    """The string as written, placeholders and all (English when the language lacks it)."""
    entry = STRINGS[key]
    return entry.get(lang) or entry["en"]


def t(lang: str, key: str, **kwargs: Any) -> str:
    raw = text(lang, key)
    return raw.format(**kwargs) if kwargs else raw


def pick(*candidates: str | None) -> str:
    """The first candidate naming a language the pages speak (`pt-BR` -> `pt`), else English."""
    for value in candidates:
        if value:
            code = value.strip().lower()[:2]
            if code in LANGS:
                return code
    return "en"
