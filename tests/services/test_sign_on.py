"""Which colleague a provider's checked claims are: linked only on an address the provider
vouches for, by the claim the organisation names."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from services import sign_on
from tests.support import make_user

ISSUER = "https://login.microsoftonline.com/tenant/v2.0"


async def test_only_an_address_vouched_for_by_the_claim_the_organisation_names_links(db: AsyncSession) -> None:
    anna = await make_user(db, "Anna de Vries", email="anna@rivierenland.example")
    for vouched in (False, "true", None):
        claims = {"sub": "a-1", "email": "anna@rivierenland.example", "email_verified": vouched}
        with pytest.raises(sign_on.SignOnRefused):
            await sign_on.sign_in_with_claims(db, sign_on.Policy(), issuer=ISSUER, claims=claims, address="")

    entra = sign_on.Policy(email_verified_claim="xms_edov", job_title_claim="jobTitle")
    claims = {"sub": "a-1", "email": "Anna@Rivierenland.example", "xms_edov": True, "jobTitle": "Wijkcoach"}

    signed_in = await sign_on.sign_in_with_claims(db, entra, issuer=ISSUER, claims=claims, address="10.0.0.1")

    assert signed_in.user.id == anna.id
    assert signed_in.user.job_title == "Wijkcoach"
    unknown = {"sub": "b-2", "email": "bram@rivierenland.example", "xms_edov": True}
    with pytest.raises(sign_on.SignOnRefused):  # no account, and the organisation makes none
        await sign_on.sign_in_with_claims(db, entra, issuer=ISSUER, claims=unknown, address="")
