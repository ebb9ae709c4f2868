"""The few strings TikTok localises on the hosted pages (onboarding follows `external_data.locale`)."""

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
}


def t(lang: str, key: str, **kwargs: Any) -> str:
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**kwargs) if kwargs else text


def pick(*candidates: str | None) -> str:
    for value in candidates:
        if value:
            code = value.strip().lower()[:2]
            if code in LANGS:
                return code
    return "en"
