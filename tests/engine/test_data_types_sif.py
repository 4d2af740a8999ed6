"""Acceptance 3 in process: a SIF client (Funambol style: SIF base64 with Format b64) and two Versit
devices of the same account share contacts, events, tasks and notes; a Versit edit reaches the SIF
client in SIF with every other field it sent intact."""

from collections.abc import Callable

import pytest

from syncmld.client import Device
from tests.engine.conftest import URL
from tests.engine.data_type_scenarios import sif_and_versit_devices_share, versit_edit_reaches_the_sif_client
from tests.engine.data_types import KINDS, Kind

KIND_IDS = [kind.name for kind in KINDS]


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_sif_client_and_two_versit_devices_share_the_same_data(new_device: Callable[..., Device], kind: Kind) -> None:
    sif_and_versit_devices_share(new_device, kind, URL)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_versit_edit_reaches_the_sif_client_in_sif_with_its_other_fields_intact(
    new_device: Callable[..., Device], kind: Kind
) -> None:
    versit_edit_reaches_the_sif_client(new_device, kind, URL)
