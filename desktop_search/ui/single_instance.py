"""One running app per data dir: a second launch (or ``--toggle``) talks to the first.

Connect first; only when nobody answers remove a stale socket (left by a crash) and listen.
"""

from __future__ import annotations

import hashlib
import logging
import os

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_search.core.paths import AppPaths

log = logging.getLogger(__name__)

MESSAGES = ("show", "toggle", "quit")
TIMEOUT_MS = 1000


def server_name(paths: AppPaths) -> str:
    """A socket name per user and data dir (short: Unix socket paths are limited)."""
    # The uid on Unix: no name-service look-up (getpass may ask nscd/LDAP for the name).
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    digest = hashlib.sha256(f"{user}\0{paths.data_dir.resolve()}".encode()).hexdigest()[:16]
    return f"desktop-search-{digest}"


def send_to_running(name: str, message: str) -> bool:
    """Deliver ``message`` to the running app; False when none is running."""
    if message not in MESSAGES:
        raise ValueError(f"unknown message {message!r}")
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(message.encode() + b"\n")
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.waitForReadyRead(TIMEOUT_MS)  # the answer says it was handled
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for other launches; emits ``message_received`` with "show", "toggle" or "quit"."""

    message_received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self._connections: set[QLocalSocket] = set()

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed instance is removed first."""
        if self.server.listen(self.name):
            return True
        log.info("Removing a stale single-instance socket (%s)", self.server.errorString())
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        """Stop listening and drop the connections still open (a ``--quit`` sender waiting
        for its answer): deleting them with the server while a closure held one crashed."""
        for connection in list(self._connections):
            connection.abort()
        self._connections.clear()
        self.server.close()

    @Slot()
    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            self._connections.add(connection)
            connection.readyRead.connect(self._ready_read)
            connection.disconnected.connect(self._disconnected)

    @Slot()
    def _ready_read(self) -> None:
        connection = self.sender()
        if isinstance(connection, QLocalSocket):
            self._read(connection)

    @Slot()
    def _disconnected(self) -> None:
        connection = self.sender()
        if isinstance(connection, QLocalSocket):
            self._connections.discard(connection)
            connection.deleteLater()

    def _read(self, connection: QLocalSocket) -> None:
        while connection.canReadLine():
            message = bytes(connection.readLine().data()).decode(errors="replace").strip()
            if message in MESSAGES:
                connection.write(b"ok\n")
                connection.flush()
                self.message_received.emit(message)
            else:
                log.warning("Ignored an unknown message on the single-instance socket")
