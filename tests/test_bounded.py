"""The bounded caches: the least recently used entry goes first, a too large one is not kept, threads share one."""

import threading

from syncmld.bounded import BoundedMap


def test_the_least_recently_used_entry_is_forgotten_first() -> None:
    cache: BoundedMap[str, int] = BoundedMap(entries=3)
    for number, key in enumerate("abc"):
        cache.put(key, number)
    assert cache.get("a") == 0  # now the most recently used
    cache.put("d", 3)
    assert cache.get("b") is None
    assert [cache.get(key) for key in "acd"] == [0, 2, 3]
    cache.put("c", 20)  # written again: the most recently used, with its new value
    cache.put("e", 4)
    assert cache.get("a") is None
    assert [cache.get(key) for key in "cde"] == [20, 3, 4]
    assert len(cache) == 3


def test_an_entry_larger_than_the_largest_is_not_kept() -> None:
    cache: BoundedMap[bytes, str] = BoundedMap(entries=10, largest=4)
    assert cache.put(b"four", "kept", size=4) == "kept"
    assert cache.put(b"fives", "not kept", size=5) == "not kept"
    assert cache.get(b"four") == "kept"
    assert cache.get(b"fives") is None
    assert cache.keeps(4) and not cache.keeps(5)
    assert len(cache) == 1


def test_new_limits_forget_the_oldest_at_once() -> None:
    cache: BoundedMap[int, int] = BoundedMap(entries=10)
    for number in range(10):
        cache.put(number, number)
    cache.resize(entries=2, largest=100)
    assert len(cache) == 2
    assert [cache.get(number) for number in (7, 8, 9)] == [None, 8, 9]
    assert not cache.keeps(101)


def test_threads_sharing_a_map_never_grow_it_past_its_limit() -> None:
    cache: BoundedMap[tuple[int, int], int] = BoundedMap(entries=50)
    failures: list[str] = []
    start = threading.Barrier(8)

    def work(thread: int) -> None:
        start.wait()
        for number in range(5000):
            key = (thread, number % 80)
            found = cache.get(key)
            if found is not None and found != key[1]:
                failures.append(f"{key} read as {found}")
            cache.put(key, key[1])
            if len(cache) > 51:  # one put at a time may be between its write and its trim
                failures.append(f"{len(cache)} entries")

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache) == 50


def test_a_peek_is_no_use_and_the_least_recently_added_goes_first() -> None:
    cache: BoundedMap[str, int] = BoundedMap(entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1
    cache.put("c", 3)
    assert cache.peek("a") is None
    assert [cache.peek(key) for key in "bc"] == [2, 3]


def test_a_forgotten_key_keeps_nothing() -> None:
    kept: BoundedMap[str, int] = BoundedMap(4)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.forget("a")
    kept.forget("never kept")
    assert (kept.get("a"), kept.get("b"), len(kept)) == (None, 2, 1)
