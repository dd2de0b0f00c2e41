"""The stand-in hash an unknown address is checked against must cost what a colleague's does."""

from __future__ import annotations

from services import passwords


def test_the_stand_in_hash_has_todays_parameters() -> None:
    # Were argon2's parameters raised (a dependency upgrade), checking an unknown address would
    # get cheaper than checking a real one, and the time of a failed sign-in would tell them apart.
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)


async def test_no_account_never_matches_and_a_real_hash_does() -> None:
    assert not await passwords.verify_password(None, "not a password of anyone")
    real = await passwords.hash_password("een-goed-wachtwoord")
    assert await passwords.verify_password(real, "een-goed-wachtwoord")
