# ruff: noqa: E501 - a table of exact sentences reads better unwrapped
"""What the merchant must read on Marketplace > TikTok, per language, taken from the managing article
(seeds 000 en, 001 pt, 002 es). Labels the seed keeps in English stay English in every language.
Browser and page tests assert against this table, on the page's text (tags stripped, spaces collapsed)."""

from __future__ import annotations

LANGUAGES = ("pt-br", "es", "en")


def same(text: str) -> dict[str, str]:
    return {lang: text for lang in LANGUAGES}


EXPECTED: dict[str, dict[str, str]] = {
    # Labels kept in English by the seed in all three languages.
    "create_an_ad": same("Create an ad"),
    "business_center": same("Business Center"),
    "ad_account": same("TikTok Ad Account"),
    "data_sharing": same("Data Sharing"),
    "catalog": same("Catalog"),
    "manage": same("Manage"),
    "enable_advanced_matching": same("Enable Advanced Matching"),
    "products_available": same("Products available"),
    "products_pending": same("Products pending"),
    "products_need_details": same("Products need additional details"),
    # Translated by the seed.
    "disconnect": {"en": "Disconnect", "pt-br": "Desconectar", "es": "Desconectar"},
    "create_ads_heading": {
        "en": "Create ads on TikTok",
        "pt-br": "Criar publicidade no TikTok",
        "es": "Crear publicidades en TikTok",
    },
    "click_each_section": {
        "en": "You must click on each section to view its respective options.",
        "pt-br": "É necessário clicar em cada seção para visualizar suas respectivas opções.",
        "es": "Debes hacer clic en cada sección para visualizar sus respectivas opciones.",
    },
    "business_center_manage": {
        "en": "Redirects you to TikTok Business Center to manage your TikTok business account.",
        "pt-br": "Redireciona para o TikTok Business Center para gerir a sua conta comercial do TikTok.",
        "es": "Te redirecciona a TikTok Business Center para gestionar tu cuenta de empresa de TikTok.",
    },
    "ad_account_manage": {
        "en": "Redirects you to TikTok Ads Manager to manage the existing ads.",
        "pt-br": "Redireciona para o TikTok Ads Manager para gerenciar a publicidade existente.",
        "es": "Te redirecciona a TikTok Ads Manager para gestionar la publicidad existente.",
    },
    "ad_account_create": {
        "en": "Redirects you to TikTok Ads Manager to create a new ad.",
        "pt-br": "Redireciona para o TikTok Ads Manager para criar uma nova publicidade.",
        "es": "Te redirecciona a TikTok Ads Manager para crear un nuevo anuncio.",
    },
    "pixel_manage": {
        "en": "Redirects you to the TikTok Pixel management page in TikTok Ads Manager.",
        "pt-br": "Redireciona para a página de gerenciamento do Pixel do TikTok no TikTok Ads Manager.",
        "es": "Te redirecciona a la página de gestión de TikTok Pixel en TikTok Ads Manager.",
    },
    "available_help": {
        "en": "Indicates the quantity of products in your catalog that are available on TikTok.",
        "pt-br": "Indica a quantidade de produtos do seu catálogo que estão disponíveis no TikTok.",
        "es": "Indica cuántos productos de tu catálogo están disponibles en TikTok.",
    },
    "pending_transitory": {
        "en": "This status is transitory and it means that TikTok is analyzing the information.",
        "pt-br": "Esse status é transitório e significa que o TikTok está analisando as informações.",
        "es": "Este status es transitorio y significa que TikTok está analizando la información.",
    },
    "needs_details_help": {
        "en": "Indicates the number of products in your catalog that are missing some information in order to be "
        "synced with TikTok.",
        "pt-br": "Indica a quantidade de produtos do seu catálogo que estão com informações faltando para serem "
        "sincronizados com o TikTok.",
        "es": "Indica cuántos productos de tu catálogo carecen de información para ser sincronizados con TikTok.",
    },
    "catalog_manage": {
        "en": "redirects you to TikTok Catalog Manager to manage the catalog on TikTok.",
        "pt-br": "redireciona para o TikTok Catalog Manager para gerenciar o catálogo no TikTok.",
        "es": "te redirecciona a TikTok Catalog Manager para gestionar el catálogo en TikTok.",
    },
    # The disconnect confirmation: the seed's consequences.
    "disconnect_stops": {
        "en": "Once disconnected, your integration with TikTok stops completely: TikTok Pixel and the integration "
        "with your store's catalog are deactivated.",
        "pt-br": "Ao desconectar, a sua integração com o TikTok é interrompida por completo: o Pixel do TikTok e a "
        "integração com o catálogo da sua loja são desativados.",
        "es": "Al desconectarse, la integración con TikTok se detiene por completo: el píxel de TikTok y la "
        "integración con el catálogo de tu tienda se desactivan.",
    },
    "disconnect_no_more_products": {
        "en": "Therefore, you will no longer be able to send new products and update products.",
        "pt-br": "Portanto, o envio de novos produtos e a atualização de produtos não ocorrem mais.",
        "es": "Por lo tanto, ya no se pueden cargar nuevos productos ni actualizarlos.",
    },
    "disconnect_products_stay": {
        "en": "However, VTEX does not delete existing products from TikTok, which means they will continue to "
        "appear on TikTok.",
        "pt-br": "Por outro lado, os produtos já existentes não são excluídos do TikTok pela VTEX, ou seja, "
        "continuam aparecendo no TikTok.",
        "es": "Por otro lado, VTEX no elimina los productos existentes en TikTok, es decir, siguen apareciendo en "
        "TikTok.",
    },
    "catalog_manager": same("TikTok Catalog Manager"),
    # The manual steps when TikTok's side of the disconnect fails.
    "manual_step_1": {
        "en": "page in TikTok Ads Manager.",
        "pt-br": "no TikTok Ads Manager.",
        "es": "en TikTok Ads Manager.",
    },
    "authorizations": {"en": "Authorizations", "pt-br": "Autorizações", "es": "Autorizaciones"},
    "manual_step_2": {
        "en": "Find the VTEX option.",
        "pt-br": "Encontre a opção VTEX.",
        "es": "Busca la opción VTEX.",
    },
    "manual_step_3": {"en": "Click Remove.", "pt-br": "Clique em Remover.", "es": "Haz clic en Remover."},
    # Automatic disconnect (seed) and reconnect.
    "auto_disconnect_rule": {
        "en": "If your TikTok credentials are revoked, i.e. if your account is suspended, the integration is "
        "automatically disconnected.",
        "pt-br": "Caso as suas credenciais do TikTok sejam revogadas, ou seja, caso a sua conta seja suspensa, a "
        "integração é desconectada automaticamente.",
        "es": "Si tus credenciales de TikTok son revocadas, es decir, si tu cuenta es suspendida, la integración se "
        "desconecta automáticamente.",
    },
    "reconnect": {"en": "Reconnect", "pt-br": "Reconectar", "es": "Reconectar"},
    "reason_revoked": {
        "en": "TikTok revoked the access token",
        "pt-br": "O TikTok revogou o token de acesso",
        "es": "TikTok revocó el token de acceso",
    },
    "reason_suspended": {
        "en": "The TikTok account was suspended",
        "pt-br": "A conta do TikTok foi suspensa",
        "es": "La cuenta de TikTok fue suspendida",
    },
    # Advanced Matching: what is shared, in plain words.
    "am_shared": {
        "en": "Shared when on: the hashed e-mail address and the hashed phone number.",
        "pt-br": "Compartilhado quando ativado: o e-mail e o telefone em hash.",
        "es": "Compartido cuando está activado: el e-mail y el teléfono en hash.",
    },
    "am_never": {
        "en": "Never shared: names, addresses, CPF, payment details or the e-mail and phone in clear.",
        "pt-br": "Nunca compartilhados: nomes, endereços, CPF, dados de pagamento nem o e-mail e o telefone em "
        "texto claro.",
        "es": "Nunca compartidos: nombres, direcciones, CPF, datos de pago ni el e-mail y el teléfono en texto "
        "claro.",
    },
    "am_on_badge": {"en": "On", "pt-br": "Ativado", "es": "Activado"},
    "am_off_badge": {"en": "Off", "pt-br": "Desativado", "es": "Desactivado"},
    # Eligibility and requirements (readme seed).
    "only_brazil": {
        "en": "The integration with TikTok is available only for stores in Brazil.",
        "pt-br": "A integração com o TikTok está disponível apenas para lojas no Brasil.",
        "es": "La integración con TikTok está disponible solo para tiendas en Brasil.",
    },
    "needs_brl": {
        "en": "The store needs an active trade policy in Brazilian reais (BRL).",
        "pt-br": "A loja precisa de uma política comercial ativa em reais (BRL).",
        "es": "La tienda necesita una política comercial activa en reales brasileños (BRL).",
    },
    "requirement_business_account": {
        "en": "A TikTok Business account.",
        "pt-br": "Uma conta TikTok Business.",
        "es": "Una cuenta TikTok Business.",
    },
    "requirement_admin": {
        "en": "Admin permission in TikTok Business Center.",
        "pt-br": "Permissão de Admin no TikTok Business Center.",
        "es": "Permiso de Admin en TikTok Business Center.",
    },
    "requirement_ads_manager": {
        "en": "A TikTok Ads Manager account linked to your business account.",
        "pt-br": "Uma conta do TikTok Ads Manager vinculada à sua conta comercial.",
        "es": "Una cuenta de TikTok Ads Manager vinculada a tu cuenta de empresa.",
    },
    "connect_account": {"en": "Connect account", "pt-br": "Conectar conta", "es": "Conectar cuenta"},
}

CONNECTED_PAGE = [
    "create_an_ad",
    "business_center",
    "ad_account",
    "data_sharing",
    "catalog",
    "manage",
    "enable_advanced_matching",
    "products_available",
    "products_pending",
    "products_need_details",
    "disconnect",
    "create_ads_heading",
    "click_each_section",
    "business_center_manage",
    "ad_account_manage",
    "ad_account_create",
    "pixel_manage",
    "available_help",
    "pending_transitory",
    "needs_details_help",
    "catalog_manage",
    "disconnect_stops",
    "disconnect_no_more_products",
    "disconnect_products_stay",
    "catalog_manager",
    "am_shared",
    "am_never",
]
MANUAL_STEPS = ["authorizations", "manual_step_1", "manual_step_2", "manual_step_3"]


def text(key: str, lang: str) -> str:
    return EXPECTED[key][lang]
