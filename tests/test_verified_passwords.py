"""Remembered logins: a device logging in again with its password costs a keyed hash, not an scrypt."""

import time

from syncmld.accounts import VERIFIED_PASSWORDS, VerifiedPasswords, hash_password, verify_password
from syncmld.bounded import BoundedMap


def test_a_repeated_login_is_answered_without_a_new_scrypt() -> None:
    stored = hash_password("repeat me")
    assert not VERIFIED_PASSWORDS.remembers("repeat me", stored, time.monotonic())
    assert verify_password("repeat me", stored)
    assert VERIFIED_PASSWORDS.remembers("repeat me", stored, time.monotonic())
    assert all(verify_password("repeat me", stored) for _ in range(20))


def test_a_wrong_password_is_refused_after_the_right_one_was_remembered() -> None:
    stored = hash_password("right")
    assert verify_password("right", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("right ", stored)
    assert not verify_password("wrong", stored)


def test_a_changed_password_needs_the_new_password() -> None:
    old_hash = hash_password("old secret")
    assert verify_password("old secret", old_hash)
    new_hash = hash_password("new secret")
    assert not verify_password("old secret", new_hash)
    assert verify_password("new secret", new_hash)


def test_the_same_password_with_a_new_hash_is_checked_again() -> None:
    cache = VerifiedPasswords(600, BoundedMap(10))
    first_hash, second_hash = hash_password("same"), hash_password("same")
    assert cache.verify("same", first_hash, now=0)
    assert cache.remembers("same", first_hash, now=1)
    assert not cache.remembers("same", second_hash, now=1)
    assert cache.verify("same", first_hash, now=1) and cache.verify("same", second_hash, now=1)


def test_a_remembered_login_expires() -> None:
    cache = VerifiedPasswords(60, BoundedMap(10))
    stored = hash_password("expiring")
    assert cache.verify("expiring", stored, now=1000)
    assert cache.remembers("expiring", stored, now=1059)
    assert not cache.remembers("expiring", stored, now=1061)
    assert cache.verify("expiring", stored, now=1059) and cache.verify("expiring", stored, now=1061)


def test_the_oldest_login_is_forgotten_beyond_the_size() -> None:
    cache = VerifiedPasswords(600, BoundedMap(2))
    hashes = {password: hash_password(password) for password in ("one", "two", "three")}
    for password, stored in hashes.items():
        assert cache.verify(password, stored, now=0)
    assert cache.remembers("three", hashes["three"], now=1)
    assert not cache.remembers("one", hashes["one"], now=1)
    assert cache.verify("three", hashes["three"], now=1) and cache.verify("one", hashes["one"], now=1)


def test_a_malformed_hash_is_never_a_match() -> None:
    cache = VerifiedPasswords(600, BoundedMap(10))
    for stored in ("", "scrypt$1$2", "bcrypt$16384$8$1$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA"):
        assert not cache.verify("anything", stored, now=0)
        assert not cache.verify("anything", stored, now=1)
