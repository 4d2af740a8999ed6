"""The store contract for what logins leave behind: failed logins and device nonces, checked on every
backend."""

from syncmld.store.base import LoginFailures, Store


def test_failed_logins_are_counted_and_forgotten_by_age(store: Store) -> None:
    with store.transaction() as tx:
        tx.note_login_failure("old", 10.0)
        assert tx.note_login_failure("new", 20.0).count == 1
        assert tx.note_login_failure("new", 30.0) == LoginFailures(2, 30.0)
        assert tx.count_login_failure_keys() == 2
    with store.transaction() as tx:
        assert tx.purge_login_failures(last_before=25.0) == 1
        assert tx.count_login_failure_keys() == 1
        assert tx.login_failures("old") is None


def test_the_failures_of_several_keys_are_read_together(store: Store) -> None:
    with store.transaction() as tx:
        tx.note_login_failure("login:a@example.org|10.0.0.1", 10.0)
        tx.note_login_failure("addr:10.0.0.1", 11.0)
        tx.note_login_failure("addr:10.0.0.1", 12.0)
    with store.transaction() as tx:
        assert tx.login_failures_of(["login:a@example.org|10.0.0.1", "addr:10.0.0.1", "addr:10.0.0.2"]) == {
            "login:a@example.org|10.0.0.1": LoginFailures(1, 10.0),
            "addr:10.0.0.1": LoginFailures(2, 12.0),
        }
        assert tx.login_failures_of([]) == {}


def test_login_failures_count_up_per_key_until_cleared(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.login_failures("dev:a") is None
        assert tx.note_login_failure("dev:a", 10.0).count == 1
        noted = tx.note_login_failure("dev:a", 12.5)
        assert (noted.count, noted.last_at) == (2, 12.5)
        tx.note_login_failure("addr:127.0.0.1", 13.0)
    with store.transaction() as tx:
        failures = tx.login_failures("dev:a")
        assert failures is not None and failures.count == 2
        tx.clear_login_failures("dev:a")
        assert tx.login_failures("dev:a") is None
        counted = tx.login_failures("addr:127.0.0.1")
        assert counted is not None and counted.count == 1


def test_nonce_is_kept_per_device_reference(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:1", issued_after=0.0) is None
        tx.set_nonce("IMEI:1", "Tm9uY2U=", 10.0)
        tx.set_nonce("IMEI:2", "b3RoZXI=", 10.0)
    with store.transaction() as tx:
        tx.set_nonce("IMEI:1", "bmV3", 20.0)
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:1", issued_after=0.0) == "bmV3"
        assert tx.get_nonce("IMEI:2", issued_after=0.0) == "b3RoZXI="


def test_nonces_expire(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_nonce("IMEI:old", "b2xk", 10.0)
        tx.set_nonce("IMEI:new", "bmV3", 30.0)
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:old", issued_after=20.0) is None, "an expired nonce is no nonce"
        assert tx.purge_nonces(issued_before=20.0) == 1
    with store.transaction() as tx:
        assert tx.get_nonce("IMEI:old", issued_after=0.0) is None
        assert tx.get_nonce("IMEI:new", issued_after=20.0) == "bmV3"
