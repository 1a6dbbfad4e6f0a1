"""One SQLite writer at a time, handed over by the kernel rather than by SQLite's busy handler.

SQLite takes one writer. When several gunicorn processes write at once, the losers' busy
handler sleeps in growing steps (up to 100 ms each) and unlucky ones starve: that, not CPU,
was the line's p95 on SQLite. A plain deferred transaction has a second problem: a turn that
read its conversation before another process wrote it cannot upgrade to a writer at all.

So every write transaction here starts with BEGIN IMMEDIATE, after taking a thread lock (one
writer per process) and an flock on a file beside the database (one writer across processes);
both are let go when the transaction commits or rolls back. The kernel queues the waiters and
wakes the next one at once, and a process that dies holding the flock releases it with its
file descriptor. Reader transactions (reports, the dashboard) begin deferred and take nothing.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

# A writer waits at most this long for its turn (its process's, then the machine's) before it
# gives up: the caller then hears the apology and is put through to a person, well within
# Twilio's 15 s (and the 3 s of the number's `#ct=` override) instead of waiting behind a long
# writer such as a residents import.
WRITER_WAIT_S = 2.5
# Polling steps for the machine-wide lock once it is contended (flock itself has no timeout).
_POLL_S = (0.001, 0.002, 0.005, 0.01)
READER = "ivr_reader"


class WriterLock:
    """The thread lock and the cross-process flock of one database file."""

    def __init__(self, path: str | None) -> None:
        self._thread = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Wait for the process's turn, then the machine's, both within WRITER_WAIT_S."""
        deadline = time.monotonic() + WRITER_WAIT_S
        if not self._thread.acquire(timeout=WRITER_WAIT_S):
            raise _locked("no writer turn within the wait")
        try:
            if self._path is not None:
                self._flock(deadline)
        except BaseException:
            self._thread.release()
            raise

    def _flock(self, deadline: float) -> None:
        fd, step = self._file(), 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked("no writer turn within the wait") from None
                time.sleep(_POLL_S[min(step, len(_POLL_S) - 1)])
                step += 1

    def release(self) -> None:
        """Let the next writer in."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def _file(self) -> int:
        # Opened on first use (under the thread lock): a database that cannot be reached
        # fails like one, with the caller put through to a person.
        if self._fd is None:
            try:
                self._fd = os.open(str(self._path), os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as error:
                raise _locked(f"writer lock file: {error.strerror}") from error
        return self._fd


def _locked(why: str) -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(why))


class LockedConnection(sqlite3.Connection):
    """A sqlite3 connection that lets go of the writer lock when its transaction ends."""

    writer_lock: WriterLock | None = None

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        with self._then_let_go():
            super().commit()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        with self._then_let_go():
            super().rollback()

    def close(self) -> None:
        """Close (rolling back whatever is open), then let the next writer in."""
        with self._then_let_go():
            super().close()

    @contextmanager
    def _then_let_go(self) -> Iterator[None]:
        try:
            yield
        finally:
            held, self.writer_lock = self.writer_lock, None
            if held is not None:
                held.release()


def install(engine: Engine, path: str | None) -> None:
    """Make `engine`'s transactions take the writer lock, unless they are marked readers."""
    lock = WriterLock(f"{path}.writer-lock" if path else None)

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own BEGIN would come before ours; we emit every BEGIN ourselves.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READER):
            conn.exec_driver_sql("BEGIN")
            return
        raw = conn.connection.dbapi_connection
        lock.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        raw.writer_lock = lock  # type: ignore[union-attr]
