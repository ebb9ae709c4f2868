"""The setup form (step 1 of connecting) and its review step."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from core.forms import ProjectForm
from core.phones import PhoneError, phone_characters_check, phone_e164
from store.models import Affiliate, Store, TradePolicy

from .models import TikTokSetup

CONSONANTS_RE = re.compile(r"^[B-DF-HJ-NP-TV-Z]{3}$")
COUNTRY_CODE_RE = re.compile(r"^\+[1-9]\d{0,2}$")
NON_DIGITS_RE = re.compile(r"[^0-9]")
# Names that never reach a public website (RFC 6761, RFC 6762, ICANN's .internal), whatever DNS says here.
PRIVATE_SUFFIXES = ("localhost", "local", "localdomain", "internal", "invalid", "test", "home.arpa")
# Hangul fillers are letters to Unicode but draw nothing.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

# TikTok asks for the business's segment; these are the segments VTEX stores sell in most.
SEGMENTS = [
    ("fashion", _("Fashion and accessories")),
    ("beauty", _("Beauty and personal care")),
    ("electronics", _("Electronics")),
    ("home", _("Home and garden")),
    ("sports", _("Sports and outdoors")),
    ("food", _("Food and beverages")),
    ("health", _("Health and pharmacy")),
    ("toys", _("Toys and babies")),
    ("pets", _("Pets")),
    ("auto", _("Automotive")),
    ("books", _("Books, music and media")),
    ("other", _("Other")),
]

# The integration is available only in Brazil.
COUNTRIES = [("BR", _("Brazil"))]

BRAZIL_TIME_ZONES = [
    ("America/Sao_Paulo", "America/Sao_Paulo (GMT-03:00)"),
    ("America/Bahia", "America/Bahia (GMT-03:00)"),
    ("America/Fortaleza", "America/Fortaleza (GMT-03:00)"),
    ("America/Recife", "America/Recife (GMT-03:00)"),
    ("America/Belem", "America/Belem (GMT-03:00)"),
    ("America/Maceio", "America/Maceio (GMT-03:00)"),
    ("America/Araguaina", "America/Araguaina (GMT-03:00)"),
    ("America/Santarem", "America/Santarem (GMT-03:00)"),
    ("America/Manaus", "America/Manaus (GMT-04:00)"),
    ("America/Cuiaba", "America/Cuiaba (GMT-04:00)"),
    ("America/Campo_Grande", "America/Campo_Grande (GMT-04:00)"),
    ("America/Porto_Velho", "America/Porto_Velho (GMT-04:00)"),
    ("America/Boa_Vista", "America/Boa_Vista (GMT-04:00)"),
    ("America/Rio_Branco", "America/Rio_Branco (GMT-05:00)"),
    ("America/Eirunepe", "America/Eirunepe (GMT-05:00)"),
    ("America/Noronha", "America/Noronha (GMT-02:00)"),
]

FIELD_ORDER = [
    "affiliate_id",
    "trade_policy",
    "store_name",
    "website",
    "segment",
    "country",
    "time_zone",
    "contact_email",
    "phone_country_code",
    "phone",
]


class TradePolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TradePolicy) -> str:
        return f"{obj.code} · {obj.name} ({obj.currency})"


class SetupForm(ProjectForm):
    """Affiliate ID and website are fixed once the setup exists (a reconnect shows them read-only)."""

    affiliate_id = forms.CharField(
        label=_("Affiliate ID"),
        max_length=3,
        help_text=_(
            "Exactly 3 consonants, e.g. TKT. It must be new in this store and cannot be changed later."
        ),
    )
    trade_policy = TradePolicyChoiceField(
        label=_("Trade policy"),
        queryset=TradePolicy.objects.none(),
        help_text=_("Only products of this trade policy are sent to TikTok. It must be in BRL."),
    )
    store_name = forms.CharField(label=_("Store name"), max_length=150)
    website = forms.CharField(
        label=_("Store website"),
        max_length=200,
        help_text=_(
            "The address of your store, e.g. https://www.mystore.com.br. It cannot be changed later."
        ),
    )
    segment = forms.ChoiceField(label=_("Segment"), choices=SEGMENTS)
    country = forms.ChoiceField(
        label=_("Country"), choices=COUNTRIES, help_text=_("The integration is available only for Brazil.")
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=BRAZIL_TIME_ZONES)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=254)
    phone_country_code = forms.CharField(label=_("Country code"), max_length=4, initial="+55")
    phone = forms.CharField(
        label=_("Phone"), max_length=25, help_text=_("Area code and number, e.g. 11 91234-5678.")
    )

    def __init__(self, *args: Any, store: Store, setup: TikTokSetup | None = None, **kwargs: Any) -> None:
        self.store = store
        self.setup = setup
        if setup is not None:
            # Fixed fields come from the saved setup whatever is posted.
            data = kwargs.get("data", args[0] if args else None)
            if data is not None:
                data = data.copy()
                data["affiliate_id"] = setup.affiliate_id
                data["website"] = setup.website
                if "data" in kwargs:
                    kwargs["data"] = data
                else:
                    args = (data, *args[1:])
        super().__init__(*args, **kwargs)
        self.fields["trade_policy"].queryset = TradePolicy.objects.filter(
            store=store, currency="BRL", is_active=True
        ).order_by("code")
        if setup is not None:
            self.initial.update({"affiliate_id": setup.affiliate_id, "website": setup.website})
            for name in ("affiliate_id", "website"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Set when the integration was first configured; it cannot change."
                )

    @classmethod
    def initial_for(cls, store: Store, setup: TikTokSetup | None) -> dict[str, Any]:
        if setup is not None:
            return {
                "affiliate_id": setup.affiliate_id,
                "trade_policy": setup.trade_policy_id,
                "store_name": setup.store_name,
                "website": setup.website,
                "segment": setup.segment,
                "country": setup.country,
                "time_zone": setup.time_zone,
                "contact_email": setup.contact_email,
                "phone_country_code": setup.phone_country_code,
                "phone": setup.phone,
            }
        website = f"https://{store.domain}" if store.domain else ""
        time_zone = store.time_zone if store.time_zone in dict(BRAZIL_TIME_ZONES) else "America/Sao_Paulo"
        policy = (
            TradePolicy.objects.filter(store=store, currency="BRL", is_active=True).order_by("code").first()
        )
        return {
            "trade_policy": policy.pk if policy else None,
            "store_name": store.name,
            "website": website,
            "country": "BR",
            "time_zone": time_zone,
            "phone_country_code": "+55",
        }

    def clean_affiliate_id(self) -> str:
        value = str(self.cleaned_data.get("affiliate_id", "")).strip().upper()
        if self.setup is not None:
            return self.setup.affiliate_id
        if not CONSONANTS_RE.match(value):
            raise forms.ValidationError(
                _("Use exactly 3 consonants (letters other than A, E, I, O, U), e.g. TKT.")
            )
        if Affiliate.objects.filter(store=self.store, code=value).exists():
            raise forms.ValidationError(
                _("The affiliate ID %(code)s is already used in this store. Choose a new one."),
                params={"code": value},
            )
        return value

    def clean_website(self) -> str:
        if self.setup is not None:
            return self.setup.website
        value = str(self.cleaned_data.get("website", "")).strip()
        try:
            parts = urlsplit(value)
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        if parts is not None and "@" in parts.netloc:
            # TikTok shows the website to shoppers: a user name or password in it would be published.
            raise forms.ValidationError(
                _("Remove the user name and password from the address, e.g. https://www.mystore.com.br.")
            )
        if host and not _public_host(host):
            raise forms.ValidationError(
                _("Enter the public address of your store on the internet, e.g. https://www.mystore.com.br.")
            )
        try:
            URLValidator(schemes=["http", "https"])(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                _("Enter the full address, e.g. https://www.mystore.com.br.")
            ) from exc
        return value

    def clean_store_name(self) -> str:
        value = " ".join(str(self.cleaned_data.get("store_name", "")).split())
        if not value:
            raise forms.ValidationError(_("This field is required."))
        if not any(unicodedata.category(c)[0] in "LN" and c not in INVISIBLE_LETTERS for c in value):
            # Zero-width spaces, joiners and BOMs are not whitespace to str.split(): such a name would
            # reach TikTok looking empty.
            raise forms.ValidationError(_("The store name must contain letters or numbers."))
        return value

    def clean_phone_country_code(self) -> str:
        value = str(self.cleaned_data.get("phone_country_code", "")).strip().replace(" ", "")
        if value and not value.startswith("+"):
            value = "+" + value
        if not COUNTRY_CODE_RE.match(value):
            raise forms.ValidationError(_("Enter a country code like +55."))
        return value

    def clean_phone(self) -> str:
        """The national number (area code and subscriber): `phone_country_code` + this is the E.164 number
        TikTok receives."""
        raw = str(self.cleaned_data.get("phone", "")).strip()
        try:
            phone_characters_check(raw)
        except PhoneError as exc:
            raise forms.ValidationError(exc.message) from exc
        digits = NON_DIGITS_RE.sub("", raw)
        if "+" in raw or not 6 <= len(digits) <= 14:
            raise forms.ValidationError(_("Enter only the area code and number, e.g. 11 91234-5678."))
        code = self.cleaned_data.get("phone_country_code")
        if code is None:
            return digits  # the country code's own message is shown; nothing is saved
        if code == "+55" and len(digits) not in (10, 11):
            raise forms.ValidationError(_("A Brazilian phone has a 2-digit area code and 8 or 9 digits."))
        try:
            e164 = phone_e164(code + digits, None)
        except PhoneError as exc:
            raise forms.ValidationError(
                _("This is not a valid phone number for the country code %(code)s."), params={"code": code}
            ) from exc
        if not e164.startswith(code):
            raise forms.ValidationError(_("Enter only the area code and number, e.g. 11 91234-5678."))
        return e164[len(code) :]

    def review_rows(self) -> list[tuple[str, str]]:
        """(label, value as the merchant will see it) for the review step."""
        rows = []
        for name in FIELD_ORDER:
            field = self.fields[name]
            value = self.cleaned_data.get(name)
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(field, forms.ModelChoiceField) and value is not None:
                value = field.label_from_instance(value)
            rows.append((str(field.label), str(value)))
        return rows

    def hidden_values(self) -> list[tuple[str, str]]:
        """The cleaned values as posted again by the review step's Confirm button."""
        values = []
        for name in FIELD_ORDER:
            value = self.cleaned_data.get(name)
            if isinstance(value, TradePolicy):
                value = value.pk
            values.append((name, "" if value is None else str(value)))
        return values


def _public_host(host: str) -> bool:
    """False for this machine and private networks: TikTok and shoppers must be able to open the site."""
    host = host.lower().rstrip(".")
    if not host or any(host == s or host.endswith("." + s) for s in PRIVATE_SUFFIXES):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name; URLValidator already refused anything that is neither a name nor an IP
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_global and (mapped is None or mapped.is_global)
