"""The organisation's OpenID provider, as Kring talks to it: discovery, the authorization URL
(code flow with PKCE S256, state and nonce), the code exchange and the ID token's checks.

Every call to the provider is asynchronous (httpx) and bounded by a timeout; discovery and the
key set are cached, the keys fetched again once when a token names a key not yet known (the
provider rotated them). Authlib builds the requests and checks the claims, joserfc the signature.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from services.errors import N_, Unauthenticated

# Discovery rarely changes; an hour keeps a rotated key or a moved endpoint from lasting long.
_METADATA_SECONDS = 3600.0
# Clocks of provider and server may differ a little.
LEEWAY_SECONDS = 60
_UNREACHABLE = N_("The sign-on provider cannot be reached. Please try again later.")
_NOT_VALID = N_("The sign-in could not be checked: the identity from the provider is not valid.")
_NO_KEYS = N_("The sign-on provider is set up wrongly: its keys cannot be read.")


class ProviderUnavailable(Unauthenticated):
    """The provider cannot be reached or answers nonsense: a fault of configuration or network,
    not of the colleague."""


class TokenRefused(Unauthenticated):
    """The provider's answer does not hold: a wrong signature, issuer, audience, nonce or an
    expired token."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str = "openid email profile"
    timeout: float = 10.0


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str


class OidcClient:
    """One provider, shared by every request of the process."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self._http = httpx.AsyncClient(timeout=config.timeout, follow_redirects=False)
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked to be its own (its issuer is ours)."""
        if self._metadata is not None and time.monotonic() - self._metadata_at < _METADATA_SECONDS:
            return self._metadata
        async with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at >= _METADATA_SECONDS:
                url = f"{self.config.issuer}/.well-known/openid-configuration"
                document = await self._get_json(url)
                if document.get("issuer", "").rstrip("/") != self.config.issuer.rstrip("/"):
                    raise ProviderUnavailable(N_("The sign-on provider is set up wrongly: it names another issuer."))
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(document.get(key), str):
                        raise ProviderUnavailable(
                            N_("The sign-on provider is set up wrongly: it names no %(what)s."), params={"what": key}
                        )
                self._metadata, self._metadata_at, self._keys = document, time.monotonic(), None
        return self._metadata

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        metadata = await self.metadata()
        return str(
            prepare_grant_uri(
                metadata["authorization_endpoint"],
                client_id=self.config.client_id,
                response_type="code",
                redirect_uri=self.config.redirect_uri,
                scope=self.config.scopes,
                state=state,
                nonce=nonce,
                code_challenge=create_s256_code_challenge(code_verifier),
                code_challenge_method="S256",
            )
        )

    async def exchange(self, code: str, code_verifier: str) -> Tokens:
        """The code for the tokens, with the PKCE verifier and the client's secret (HTTP Basic,
        what every provider accepts)."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": code_verifier,
        }
        auth = httpx.BasicAuth(quote(self.config.client_id, safe=""), quote(self.config.client_secret, safe=""))
        try:
            response = await self._http.post(metadata["token_endpoint"], data=form, auth=auth)
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            raise ProviderUnavailable(_UNREACHABLE) from None
        if response.status_code != 200 or not isinstance(answer, dict) or "error" in answer:
            raise TokenRefused(N_("The sign-on provider refused the sign-in. Please try again."))
        if not isinstance(answer.get("id_token"), str):
            raise TokenRefused(N_("The sign-on provider sent no identity. Please try again."))
        return Tokens(id_token=answer["id_token"], access_token=str(answer.get("access_token", "")))

    async def validate_id_token(
        self, id_token: str, *, nonce: str, access_token: str = "", now: float | None = None
    ) -> dict[str, Any]:
        """The ID token's claims when its signature (the provider's keys), issuer, audience,
        expiry and nonce hold; else `TokenRefused`."""
        metadata = await self.metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), registry=registry)
            except JoseError:
                # A key unknown to the cached set: the provider may have rotated; ask once more.
                token = jwt.decode(id_token, await self._key_set(force=True), registry=registry)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": self.config.client_id},
                "exp": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            }
            params = {"nonce": nonce, "client_id": self.config.client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(token.claims, token.header, options, params)
            claims.validate(now=int(now if now is not None else time.time()), leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError):
            raise TokenRefused(
                N_("The sign-in could not be checked: the identity from the provider is not valid.")
            ) from None
        return dict(claims)

    async def userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims, for what a provider leaves out of its ID token; only
        when they are about the same subject."""
        metadata = await self.metadata()
        endpoint = metadata.get("userinfo_endpoint")
        if not endpoint or not access_token:
            return {}
        try:
            response = await self._http.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
            info = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return {}
        return info if isinstance(info, dict) and info.get("sub") == subject else {}

    async def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """Where to end the provider's session too, when it offers that (RP-initiated logout)."""
        try:
            metadata = await self.metadata()
        except ProviderUnavailable:
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str):
            return None
        request = httpx.URL(endpoint).copy_merge_params(
            {"client_id": self.config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return str(request)

    async def _key_set(self, *, force: bool = False) -> KeySet:
        if self._keys is None or force:
            metadata = await self.metadata()
            document = await self._get_json(metadata["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError):
                raise ProviderUnavailable(
                    N_("The sign-on provider is set up wrongly: its keys cannot be read.")
                ) from None
        return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            raise ProviderUnavailable(_UNREACHABLE) from None
        if not isinstance(document, dict):
            raise ProviderUnavailable(_UNREACHABLE)
        return document
