"""The ads endpoints against exact payloads (`responses`): what is sent on the wire, how metric strings
are parsed, and TikTok's error envelopes mapped by the one taxonomy."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tiktok_api import AuthError, ThrottledError, TikTokPermissionError
from tiktok_api.errors import AuthReason, RetryableError

from .conftest import BASE, TOKEN, envelope

REPORT = f"{BASE}/open_api/v1.3/report/integrated/get/"
CAMPAIGNS = f"{BASE}/open_api/v1.3/campaign/get/"
STATUS = f"{BASE}/open_api/v1.3/campaign/status/update/"


def _query(call: responses.Call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def test_report_request_and_metric_parsing(client, mocked):
    mocked.get(
        REPORT,
        json=envelope(
            {
                "list": [
                    {
                        "dimensions": {"campaign_id": "1801", "stat_time_day": "2026-11-30 00:00:00"},
                        "metrics": {
                            "spend": "12.34",
                            "impressions": "1500",
                            "clicks": "45",
                            "ctr": "3.00",
                            "cpc": "0.27",
                            "conversion": "3",
                            "cost_per_conversion": "-",
                        },
                    }
                ],
                "page_info": {"page": 1, "page_size": 1000, "total_number": 1, "total_page": 1},
            }
        ),
    )
    (row,) = client.report_campaign_daily_all(
        TOKEN, advertiser_id="7200", start_date=date(2026, 11, 1), end_date=date(2026, 11, 30)
    )
    assert (row.campaign_id, row.stat_day) == ("1801", date(2026, 11, 30))
    assert (row.spend, row.impressions, row.clicks, row.conversions) == (Decimal("12.34"), 1500, 45, 3)
    assert row.cost_per_conversion is None
    query = _query(mocked.calls[0])
    assert mocked.calls[0].request.headers["Access-Token"] == TOKEN
    assert (query["report_type"], query["service_type"], query["data_level"]) == (
        "BASIC",
        "AUCTION",
        "AUCTION_CAMPAIGN",
    )
    assert json.loads(query["dimensions"]) == ["campaign_id", "stat_time_day"]
    assert "spend" in json.loads(query["metrics"]) and "conversion" in json.loads(query["metrics"])
    assert (query["start_date"], query["end_date"]) == ("2026-11-01", "2026-11-30")


def test_status_update_body(client, mocked):
    mocked.post(STATUS, json=envelope({"campaign_ids": ["1801"]}))
    result = client.campaign_status_update(
        TOKEN, advertiser_id="7200", campaign_ids=["1801"], operation_status="DISABLE"
    )
    assert result.campaign_ids == ("1801",)
    assert json.loads(mocked.calls[0].request.body) == {
        "advertiser_id": "7200",
        "campaign_ids": ["1801"],
        "operation_status": "DISABLE",
    }


def test_status_update_refuses_unknown_operations_before_sending(client, mocked):
    with pytest.raises(ValueError):
        client.campaign_status_update(
            TOKEN, advertiser_id="7200", campaign_ids=["1"], operation_status="DELETE"
        )
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        (40105, "Access token is incorrect or has been revoked.", AuthError),
        (40001, "You don't have permission to operate this advertiser:7200.", TikTokPermissionError),
        (40100, "App reaches the QPS limit.", ThrottledError),
        (50002, "Internal error.", RetryableError),
    ],
)
def test_campaign_get_errors_follow_the_taxonomy(make_client, mocked, code, message, error):
    from tiktok_api import NO_RETRY

    client = make_client(retry=NO_RETRY)
    mocked.get(CAMPAIGNS, json=envelope(code=code, message=message))
    with pytest.raises(error) as caught:
        client.campaign_get(TOKEN, advertiser_id="7200")
    assert caught.value.code == code
    if error is AuthError:
        assert caught.value.reason == AuthReason.REVOKED
