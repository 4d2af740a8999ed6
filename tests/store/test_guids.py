"""Item GUIDs: 32 hex characters, never the same twice (threads and forked processes included), and made later
sorting later, so that a folder's new items go to one end of its indexes by GUID instead of all over them."""

import os
import re
import threading
import time

from syncmld.store import new_guid
from syncmld.store.guids import BATCH


def test_a_guid_is_32_hex_characters_and_none_repeats() -> None:
    guids = [new_guid() for _ in range(5 * BATCH)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", guid) for guid in guids)
    assert len(set(guids)) == len(guids)


def test_guids_made_later_sort_later() -> None:
    # The last of each round comes from a batch made after the previous round's (a round takes a whole batch).
    lasts = []
    for _ in range(6):
        lasts.append([new_guid() for _ in range(BATCH + 1)][-1])
        time.sleep(0.002)
    assert lasts == sorted(lasts)


def test_threads_never_get_the_same_guid() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(into: list[str]) -> None:
        into.extend(new_guid() for _ in range(3 * BATCH))

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [guid for into in made for guid in into]
    assert len(set(every)) == len(every) == 4 * 3 * BATCH


def test_a_forked_process_makes_guids_of_its_own() -> None:
    new_guid()  # a batch is waiting in this process
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.close(reading)
        os.write(writing, " ".join(new_guid() for _ in range(10)).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        childs = set(pipe.read().decode().split())
    os.waitpid(child, 0)
    ours = {new_guid() for _ in range(10)}
    assert len(childs) == 10
    assert not childs & ours
