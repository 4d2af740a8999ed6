"""The decoded DevInfs kept between sessions stay small whatever size the devices' DevInfs have."""

import gc
import tracemalloc

from syncmld.engine.commands import same_as_stored, stored_devinf
from syncmld.protocol.codec import encode_devinf_xml
from syncmld.protocol.devinf import DevInf, Ext


def large_devinf(number: int) -> bytes:
    """A DevInf of about 300 kB, different for each ``number``."""
    values = tuple(f"value-{number}-{index:05d}-{'v' * 40}" for index in range(5000))
    return encode_devinf_xml(DevInf("1.2", f"IMEI:{number}", "phone", exts=(Ext("X-Large", values),)))


def test_reading_back_many_large_stored_devinfs_keeps_no_memory_for_them() -> None:
    documents = [large_devinf(number) for number in range(70)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number, document in enumerate(documents):
            assert stored_devinf(document).dev_id == f"IMEI:{number}"
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 5_000_000


def test_a_stored_devinf_the_device_sends_again_reads_back_as_the_one_sent() -> None:
    sent = DevInf("1.2", "IMEI:sent-again", "phone", exts=(Ext("X-Kept", ("a", "b")),))
    stored = encode_devinf_xml(sent)
    read_back = stored_devinf(stored)
    assert read_back == sent
    assert read_back is not sent

    same_as_stored(stored, sent)

    assert stored_devinf(stored) is sent
