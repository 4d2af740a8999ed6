"""A load run: N devices sync at once (a slow sync, then rounds of changes), then each syncs once more
and is checked to hold exactly what the devices of its account made."""

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from syncmld.client.http import HttpTransport
from syncmld.load.accounts import DEFAULT_PASSWORD, account_email
from syncmld.load.data import Kind
from syncmld.load.devices import TWO_WAY, EmulatedDevice, SyncFailed, Tally
from syncmld.load.procstats import usage
from syncmld.load.report import LoadReport, ServerFigures
from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_BASIC, AUTH_MD5

LOAD_AUTH = {"basic": AUTH_BASIC, "md5": AUTH_MD5}
"""The devices' login types by their command-line names."""


@dataclass(frozen=True)
class LoadSettings:
    url: str
    devices: int = 10
    items: int = 100
    """Contacts per device."""
    events: int = 0
    """Events per device (0: the devices sync contacts only)."""
    rounds: int = 3
    changes: int = 5
    """Changes per device and round."""
    accounts: int | None = None
    """Accounts the devices are spread over (device i syncs with account i mod K + 1); None: one each."""
    wbxml: bool = False
    password: str = DEFAULT_PASSWORD
    auth: str = AUTH_BASIC
    """``syncml:auth-basic`` or ``syncml:auth-md5``."""
    minutes: float | None = None
    """Run rounds until this many minutes have passed since the start, instead of ``rounds``."""
    pause: float = 0.0
    """Seconds each device waits between its rounds."""
    ramp: float = 0.0
    """Seconds over which the devices' first syncs are spread (0: all at once)."""
    server_pid: int | None = None
    sample_every: float = 5.0
    """Seconds between samples of the server's RSS (with ``server_pid``)."""

    @property
    def account_count(self) -> int:
        return self.devices if self.accounts is None else min(self.accounts, self.devices)

    @property
    def sizes(self) -> dict[Kind, int]:
        return {Kind.CONTACTS: self.items, **({Kind.EVENTS: self.events} if self.events else {})}


class RssSampler:
    """Samples the RSS of a process and its descendants every ``every`` seconds, in a thread of its own."""

    def __init__(self, pid: int, every: float) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.samples.append((time.perf_counter() - self._started, usage(self.pid).rss_bytes))
            except ProcessLookupError:
                return

    def stop(self) -> tuple[tuple[float, int], ...]:
        self._stop.set()
        self._thread.join()
        return tuple(self.samples)


class LoadRun:
    """The devices of one run and the errors they met."""

    def __init__(self, settings: LoadSettings) -> None:
        self.settings = settings
        self.tally = Tally()
        self.errors: list[str] = []
        self.failed: set[int] = set()
        self._lock = threading.Lock()
        encoding = Encoding.WBXML if settings.wbxml else Encoding.XML
        run = f"load-{secrets.token_hex(3)}"
        self.devices = [
            EmulatedDevice(
                run,
                index,
                settings.url,
                account_email(index % settings.account_count + 1),
                settings.password,
                settings.auth,
                settings.sizes,
                HttpTransport(encoding, observe=self.tally.exchanged),
                self.tally,
            )
            for index in range(settings.devices)
        ]

    def drive(self, device: EmulatedDevice) -> None:
        """The device's slow sync (at its place in the ramp), then its rounds of changes."""
        settings = self.settings
        time.sleep(settings.ramp * device.index / settings.devices)
        deadline = None if settings.minutes is None else time.monotonic() + settings.minutes * 60
        device.first_sync()
        done = 0
        while (done < settings.rounds) if deadline is None else (time.monotonic() < deadline):
            time.sleep(settings.pause)
            device.change_and_sync(settings.changes)
            done += 1

    def last_sync(self, device: EmulatedDevice) -> None:
        for store in device.stores:
            device.sync(store, TWO_WAY)

    def on_every_device(self, step: Callable[[EmulatedDevice], None], devices: Iterable[EmulatedDevice]) -> None:
        """Run ``step`` for each device at once, each in its own thread; a device that fails is out of the run."""

        def guarded(device: EmulatedDevice) -> None:
            try:
                step(device)
            except SyncFailed as failure:
                self._fail(device, str(failure))
            except Exception as error:  # a load run reports whatever breaks a device, and goes on
                self._fail(device, f"{device.name}: unexpected {error!r}")

        chosen = list(devices)
        if chosen:
            with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="device") as pool:
                list(pool.map(guarded, chosen))

    def verify(self) -> int:
        """Check every device of each account where no device failed; returns how many were checked."""
        failed_accounts = {self.devices[index].email for index in self.failed}
        checked = [device for device in self.devices if device.email not in failed_accounts]
        expected: dict[tuple[str, Kind], dict[str, int]] = {}
        for device in checked:
            for store in device.stores:
                made = expected.setdefault((device.email, store.kind), {})
                made.update((key.uid, key.revision) for key in store.own.values())
        for device in checked:
            for store in device.stores:
                problem = _difference(device.holdings(store), expected[(device.email, store.kind)])
                if problem:
                    self._fail(device, f"{device.name} {store.kind.server_db}: {problem}")
        return len(checked)

    def close(self) -> None:
        for device in self.devices:
            device.transport.close()

    def _fail(self, device: EmulatedDevice, reason: str) -> None:
        with self._lock:
            self.failed.add(device.index)
            self.errors.append(reason)


def _difference(held: dict[str, int] | None, expected: dict[str, int]) -> str:
    """What is wrong with a device's items, or "" if they are what its account should hold."""
    if held is None:
        return "holds items that no load device made"
    if held == expected:
        return ""
    missing = len(expected.keys() - held.keys())
    extra = len(held.keys() - expected.keys())
    stale = sum(1 for uid, revision in held.items() if uid in expected and expected[uid] != revision)
    return f"holds {len(held)} items, expected {len(expected)}: {missing} missing, {extra} unexpected, {stale} outdated"


def run_load(settings: LoadSettings) -> LoadReport:
    """Run the devices against the server at ``settings.url`` and measure."""
    pid = settings.server_pid
    before = usage(pid) if pid is not None else None
    sampler = RssSampler(pid, settings.sample_every) if pid is not None else None
    load = LoadRun(settings)
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        load.on_every_device(load.drive, load.devices)
        load.on_every_device(load.last_sync, [d for d in load.devices if d.index not in load.failed])
        verified = load.verify()
    finally:
        load.close()
        samples = sampler.stop() if sampler is not None else ()
    duration, client_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server = None
    if pid is not None and before is not None:
        server = ServerFigures(pid, before, usage(pid), samples)
    return LoadReport(
        devices=settings.devices,
        accounts=settings.account_count,
        wire="WBXML" if settings.wbxml else "XML",
        duration_s=duration,
        syncs=load.tally.syncs,
        items=load.tally.items,
        latencies_s=load.tally.latencies,
        latencies_by_kind_s=load.tally.latencies_by_kind,
        errors=load.errors,
        client_cpu_s=client_cpu,
        checked_devices=verified,
        server=server,
    )
