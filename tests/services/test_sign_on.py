"""Which colleague a provider's checked claims are: linked only on an address the provider
vouches for, by the claim the organisation names."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from services import sign_on
from tests.support import make_user

ISSUER = "https://login.microsoftonline.com/tenant/v2.0"


@pytest.mark.parametrize("vouched", [False, "true", None])
async def test_an_address_the_provider_does_not_vouch_for_links_no_one(db: AsyncSession, vouched: object) -> None:
    await make_user(db, "Anna de Vries", email="anna@rivierenland.example")
    claims = {"sub": "a-1", "email": "anna@rivierenland.example", "email_verified": vouched}

    with pytest.raises(sign_on.SignOnRefused):
        await sign_on.sign_in_with_claims(db, sign_on.Policy(), issuer=ISSUER, claims=claims, address="")


async def test_the_organisation_names_the_claim_that_vouches(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries", email="anna@rivierenland.example")
    entra = sign_on.Policy(email_verified_claim="xms_edov", job_title_claim="jobTitle")
    claims = {"sub": "a-1", "email": "Anna@Rivierenland.example", "xms_edov": True, "jobTitle": "Wijkcoach"}

    signed_in = await sign_on.sign_in_with_claims(db, entra, issuer=ISSUER, claims=claims, address="10.0.0.1")

    assert signed_in.user.id == anna.id
    assert signed_in.user.job_title == "Wijkcoach"
    unknown = {"sub": "b-2", "email": "bram@rivierenland.example", "xms_edov": True}
    with pytest.raises(sign_on.SignOnRefused):  # no account, and the organisation makes none
        await sign_on.sign_in_with_claims(db, entra, issuer=ISSUER, claims=unknown, address="")
