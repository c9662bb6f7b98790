"""One app per data dir: the socket name, and the line protocol a second launch speaks to the
first (a client socket in this process, the way ``send_to_running`` writes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket

from desktop_search.core.paths import AppPaths
from desktop_search.ui.single_instance import SingleInstance, send_to_running, server_name


@pytest.fixture
def instance(qapp, tmp_path: Path) -> Iterator[SingleInstance]:
    listening = SingleInstance(f"ds-proto-{os.getpid()}-{tmp_path.name}"[:60])
    assert listening.listen()
    yield listening
    listening.close()


@pytest.fixture
def client(qtbot, instance: SingleInstance) -> Iterator[QLocalSocket]:
    socket = QLocalSocket()
    socket.connectToServer(instance.name)
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.ConnectedState, timeout=5_000)
    yield socket
    socket.abort()
    # The instance goes only once its side of the connection has: deleting it with a
    # connection open warns "shared QObject was deleted directly" and can crash.
    qtbot.waitUntil(lambda: not instance.server.findChildren(QLocalSocket), timeout=5_000)


def _answers(qtbot, socket: QLocalSocket, count: int) -> list[bytes]:
    lines: list[bytes] = []

    def read() -> bool:
        while socket.canReadLine():
            lines.append(bytes(socket.readLine().data()))
        return len(lines) >= count

    qtbot.waitUntil(read, timeout=5_000)
    return lines


def test_the_name_is_one_per_data_dir_and_short(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data", target_is_directory=True)
    name = server_name(AppPaths(tmp_path / "data"))
    assert name == server_name(AppPaths(tmp_path / "link"))  # the same folder by another path
    assert name == server_name(AppPaths(tmp_path / "data" / ".." / "data"))
    assert name != server_name(AppPaths(tmp_path / "other"))
    assert name.startswith("desktop-search-") and len(name) <= 40  # Unix socket paths are short


def test_each_message_is_answered_and_told_in_order(qtbot, instance: SingleInstance, client) -> None:
    heard: list[str] = []
    instance.message_received.connect(heard.append)
    client.write(b"show\ntoggle\nquit\n")
    assert _answers(qtbot, client, 3) == [b"ok\n"] * 3
    assert heard == ["show", "toggle", "quit"]


def test_a_message_split_across_writes_is_one_message(qtbot, instance: SingleInstance, client) -> None:
    heard: list[str] = []
    instance.message_received.connect(heard.append)
    client.write(b"tog")
    client.flush()
    qtbot.wait(50)  # the first half arrives alone
    assert heard == []
    client.write(b"gle\n")
    assert _answers(qtbot, client, 1) == [b"ok\n"]
    assert heard == ["toggle"]


def test_an_unknown_message_is_ignored_and_unanswered(qtbot, instance: SingleInstance, client) -> None:
    heard: list[str] = []
    instance.message_received.connect(heard.append)
    client.write(b"delete-everything\nshow\n")
    assert _answers(qtbot, client, 1) == [b"ok\n"]  # for "show" alone
    assert heard == ["show"]
    qtbot.wait(50)
    assert not client.canReadLine()


def test_nothing_is_sent_that_the_app_would_not_understand(instance: SingleInstance) -> None:
    with pytest.raises(ValueError, match="unknown message"):
        send_to_running(instance.name, "delete-everything")
    assert send_to_running(f"{instance.name}-nobody", "show") is False  # no app: said so at once


def test_the_instance_goes_safely_with_a_sender_still_connected(qapp, qtbot, tmp_path: Path) -> None:
    """A ``--quit`` arrives and the app closes and deletes the instance at once, while the
    sender is still connected (it waits for its answer)."""
    import shiboken6

    listening = SingleInstance(f"ds-quit-{os.getpid()}-{tmp_path.name}"[:60])
    assert listening.listen()
    heard: list[str] = []
    listening.message_received.connect(heard.append)
    sender = QLocalSocket()
    sender.connectToServer(listening.name)
    qtbot.waitUntil(lambda: sender.state() == QLocalSocket.LocalSocketState.ConnectedState, timeout=5_000)
    sender.write(b"quit\n")
    sender.flush()
    qtbot.waitUntil(lambda: heard == ["quit"], timeout=5_000)
    listening.close()
    shiboken6.delete(listening)  # what the app's teardown does to it
    qtbot.waitUntil(lambda: sender.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5_000)
    qapp.processEvents()
