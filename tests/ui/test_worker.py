"""The interpreter settings the app makes at startup for a responsive window."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from desktop_search.ui.worker import freeze_startup_objects


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_objects_alive_at_startup_leave_the_collectors_view(unfrozen_afterwards: None) -> None:
    alive_at_startup = Node()
    freeze_startup_objects()
    assert gc.get_freeze_count() > 0
    # A full collection walks only what gc.get_objects() lists: no longer the startup objects.
    assert not any(obj is alive_at_startup for obj in gc.get_objects())


def test_garbage_made_after_startup_is_still_collected(unfrozen_afterwards: None) -> None:
    freeze_startup_objects()
    later = Node()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_startup_garbage_is_collected_before_the_freeze(unfrozen_afterwards: None) -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    freeze_startup_objects()  # frozen garbage would never be freed
    assert gone() is None
