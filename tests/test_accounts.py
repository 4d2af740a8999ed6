"""Credential helpers: e-mail logins, SyncML MD5 credentials and digests, password hashes."""

import base64
import hashlib

import pytest

from syncmld.accounts import hash_password, md5_credential, md5_digest, normalise_email, verify_password
from syncmld.errors import InvalidEmail


def test_md5_digest_reproduces_the_spec_test_vector() -> None:
    nonce = base64.b64decode("Tm9uY2U=")
    assert md5_digest(md5_credential("Bruce2", "OhBehave"), nonce) == "Zz6EivR3yeaaENcRN6lpAQ=="


def test_md5_credential_is_base64_of_md5_of_user_colon_password() -> None:
    credential = md5_credential("anna@example.org", "sécret")
    digest = hashlib.md5("anna@example.org:sécret".encode()).digest()
    assert base64.b64decode(credential) == digest


def test_md5_digest_depends_on_the_nonce() -> None:
    credential = md5_credential("anna@example.org", "secret")
    assert md5_digest(credential, b"one") != md5_digest(credential, b"two")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Anna@Example.ORG ", "anna@example.org"),
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
    ],
)
def test_normalise_email_trims_and_lower_cases(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text", ["", "anna", "anna@", "@example.org", "anna@example", "anna@@example.org", "an na@example.org"]
)
def test_normalise_email_refuses_what_is_not_an_address(text: str) -> None:
    with pytest.raises(InvalidEmail, match="not an e-mail address"):
        normalise_email(text)


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)


def test_password_hashes_are_salted_and_name_their_parameters() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert first.startswith("scrypt$")
    assert "same" not in first


@pytest.mark.parametrize("stored", ["", "plain-text", "scrypt$x$8$1$c2FsdA==$a2V5", "bcrypt$1$2$3$4$5"])
def test_a_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert not verify_password("anything", stored)
