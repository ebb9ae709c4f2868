"""OAuth: token exchange, revocation, the advertisers a token reaches (reference §2.3-2.4)."""

from __future__ import annotations

from collections.abc import Mapping

from ..client_base import ClientBase
from ..errors import PermanentError
from ..transport import open_api_path
from ..types import AccessToken, Advertiser, RevokeResult


class AuthEndpoints(ClientBase):
    """OAuth endpoints of `TikTokClient`."""

    def oauth_access_token(self, auth_code: str) -> AccessToken:
        """Exchange a single-use auth_code (valid 1 h) for a long-lived access token.
        Reference: §2.3, POST /open_api/v1.3/oauth2/access_token/ (no Access-Token header)."""
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "oauth2/access_token"),
            limit_key="oauth2/access_token",
            body={
                "app_id": self.app_id,
                "secret": self._app_secret,
                "auth_code": auth_code,
                "return_advertiser_ids": True,
            },
            # A timed-out exchange may have consumed the code; re-sending would only get 40110.
            idempotent=False,
        )
        token = AccessToken.from_data(self._data(envelope))
        if not token.access_token:
            raise PermanentError(
                "access_token missing from a successful response",
                code=envelope.code,
                request_id=envelope.request_id,
                endpoint="oauth2/access_token",
            )
        return token

    def oauth_revoke_token(self, access_token: str) -> RevokeResult:
        """Revoke a token. Reference: §2.4, POST /open_api/v1.3/oauth2/revoke_token/."""
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "oauth2/revoke_token"),
            limit_key="oauth2/revoke_token",
            body={"app_id": self.app_id, "secret": self._app_secret, "access_token": access_token},
        )
        return RevokeResult.from_data(self._data(envelope))

    def oauth_advertisers(self, access_token: str) -> list[Advertiser]:
        """Advertisers the token can reach. Reference: §2.4, GET /open_api/v1.3/oauth2/advertiser/get/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "oauth2/advertiser/get"),
            limit_key="oauth2/advertiser/get",
            access_token=access_token,
            params={"app_id": self.app_id, "secret": self._app_secret},
        )
        return [
            Advertiser.from_data(a) for a in self._data(envelope).get("list") or [] if isinstance(a, Mapping)
        ]
