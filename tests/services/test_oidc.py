"""The ID token's checks against a real OpenID provider's discovery and keys (node's
`oidc-provider`, tests/oidc_provider): a token is believed only with the provider's signature,
its issuer, Kring as audience, an unexpired time and the nonce of this sign-in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.oidc import OidcClient, ProviderConfig, ProviderUnavailable, TokenRefused
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, SigningKey

REDIRECT = "http://kring.test/login/sso/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    running = OpenIdProvider(
        tmp_path_factory.mktemp("oidc"), redirect_uri=REDIRECT, post_logout_redirect_uri="http://kring.test/login"
    ).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def client(provider: OpenIdProvider) -> AsyncIterator[OidcClient]:
    oidc = OidcClient(ProviderConfig(provider.issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT, timeout=10))
    try:
        yield oidc
    finally:
        await oidc.close()


def _claims(provider: OpenIdProvider, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "sub": "anna",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        "email": "anna@rivierenland.example",
        "email_verified": True,
        **changes,
    }


async def test_a_token_signed_by_the_provider_for_this_sign_in_holds(
    client: OidcClient, provider: OpenIdProvider
) -> None:
    claims = await client.validate_id_token(provider.key.sign(_claims(provider)), nonce="the-nonce")

    assert claims["sub"] == "anna"
    assert claims["email_verified"] is True


async def test_a_token_that_does_not_fit_this_sign_in_or_was_changed_is_refused(
    client: OidcClient, provider: OpenIdProvider
) -> None:
    now = int(time.time())
    misfits = {
        "another nonce (a replayed or swapped token)": {"nonce": "someone-elses-nonce"},
        "no nonce": {"nonce": None},
        "expired": {"iat": now - 3600, "exp": now - 600},
        "for another client": {"aud": "another-app"},
        "from another issuer": {"iss": "https://evil.example"},
    }
    for case, changes in misfits.items():
        claims = {key: value for key, value in _claims(provider, **changes).items() if value is not None}
        try:
            await client.validate_id_token(provider.key.sign(claims), nonce="the-nonce")
        except TokenRefused:
            continue
        pytest.fail(f"a token {case} was believed")

    forged = SigningKey().sign(_claims(provider))  # same key id, not the provider's key
    with pytest.raises(TokenRefused):
        await client.validate_id_token(forged, nonce="the-nonce")
    header, _, signature = provider.key.sign(_claims(provider)).split(".")
    other_payload = provider.key.sign(_claims(provider, sub="bram")).split(".")[1]
    with pytest.raises(TokenRefused):
        await client.validate_id_token(f"{header}.{other_payload}.{signature}", nonce="the-nonce")


async def test_the_authorization_url_asks_for_a_code_with_pkce_state_and_nonce(
    client: OidcClient, provider: OpenIdProvider
) -> None:
    url = await client.authorization_url(state="s" * 43, nonce="n" * 43, code_verifier="v" * 64)

    assert url.startswith(f"{provider.issuer}/auth?")
    for part in ("response_type=code", "code_challenge_method=S256", "state=" + "s" * 43, "nonce=" + "n" * 43):
        assert part in url
    assert "v" * 64 not in url  # the verifier itself stays with Kring


async def test_an_unreachable_provider_is_told_as_such(tmp_path: Path) -> None:
    from harness import free_port

    oidc = OidcClient(ProviderConfig(f"http://127.0.0.1:{free_port()}", CLIENT_ID, CLIENT_SECRET, REDIRECT, timeout=5))
    try:
        with pytest.raises(ProviderUnavailable) as refused:
            await oidc.authorization_url(state="s", nonce="n", code_verifier="v" * 43)
    finally:
        await oidc.close()
    assert "cannot be reached" in refused.value.text()
