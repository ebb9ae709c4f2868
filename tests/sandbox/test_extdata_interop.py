"""The sandbox's external_data check and the client's signer agree (two independent implementations of §2.1)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sandbox import extdata
from sandbox.storage import Storage
from tiktok_api import external_data_build, external_data_verify

KEY = "sandbox-external-data-key"
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    from sandbox import seed

    db = Storage(tmp_path_factory.mktemp("extdata") / "sb.sqlite3")
    seed.provision_app(db, **seed.DEFAULT_APP)
    yield db
    db.close()


def _fields(locale: str, business_id: str, version: str, extra: str) -> dict[str, str]:
    return {
        "version": version,
        "timestamp": str(int(time.time() * 1000)),
        "locale": locale,
        "business_platform": "VTEX",
        "external_business_id": business_id,
        "store_name": extra,
    }


@settings(max_examples=60, deadline=None)
@given(locale=text, business_id=text, version=text, extra=text)
def test_client_signed_data_passes_the_sandbox(storage, locale, business_id, version, extra):
    encoded = external_data_build(_fields(locale, business_id, version, extra), KEY)
    verified = extdata.verify(storage, encoded, max_age_seconds=1800)
    assert verified.data["external_business_id"] == business_id
    assert verified.data["store_name"] == extra


@settings(max_examples=60, deadline=None)
@given(locale=text, business_id=text, version=text, extra=text)
def test_sandbox_signed_data_passes_the_client(locale, business_id, version, extra):
    encoded = extdata.encode(_fields(locale, business_id, version, extra), KEY)
    assert external_data_verify(encoded, KEY)["external_business_id"] == business_id


@settings(max_examples=60, deadline=None)
@given(business_id=text, field=st.sampled_from(list(extdata.REQUIRED)), replacement=text)
def test_changing_a_signed_field_is_refused(storage, business_id, field, replacement):
    fields = _fields("pt-BR", business_id, "1.0", "Loja")
    payload = json.loads(base64.b64decode(external_data_build(fields, KEY)))
    # business_platform picks the app: any other value is an unknown app (refused in the test below).
    assume(payload[field] != replacement and field != "business_platform")
    payload[field] = replacement
    tampered = base64.b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(extdata.ExternalDataError):
        extdata.verify(storage, tampered, max_age_seconds=None)


def test_unknown_platform_and_wrong_key_are_refused(storage):
    fields = _fields("en", "store", "1.0", "x")
    with pytest.raises(extdata.ExternalDataError, match="hmac"):
        extdata.verify(storage, external_data_build(fields, "another-key"), max_age_seconds=None)
    with pytest.raises(extdata.ExternalDataError, match="unknown app"):
        extdata.verify(
            storage,
            external_data_build({**fields, "business_platform": "SHOPIFY"}, KEY),
            max_age_seconds=None,
        )
