"""The ``events.stream`` subscription as a Python iterator that reconnects by itself.

The server sends server-sent events (tRPC v11): ``connected`` (with the inactivity limit after
which a client should reconnect), ``ping`` every 10 s, data messages ``{"events": [...]}``
tracked by the id of their last event, ``serialized-error`` and ``return``. The stream keeps
the id of the last event it yielded and reconnects with ``Last-Event-ID``: the server replays
what was missed, so the iterator sees every matching event once, in id order.
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional

from ._transport import Transport, USER_AGENT, backoff_s, answer
from ._wire import from_wire
from .errors import (
    ServerUnreachableError,
    TaskManagerError,
    UnavailableError,
    error_from_answer,
)

__all__ = ["EventStream", "SseParser", "SseMessage"]

Event = Dict[str, Any]

# The server's own default (server/api/trpc.ts); its `connected` message may say otherwise.
_DEFAULT_INACTIVITY_S = 30.0
# Some slack over the limit: a ping due exactly then must not trigger a reconnect.
_MAX_INACTIVITY_MARGIN_S = 5.0
_MAX_RECONNECT_PAUSE_S = 5.0
_QUEUE_SIZE = 1000


class SseMessage:
    """One server-sent event: ``event`` (``message`` for data), ``data``, ``id``, ``retry``."""

    __slots__ = ("event", "data", "id", "retry")

    def __init__(self, event: str, data: str, id: Optional[str], retry: Optional[int]) -> None:
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry


class SseParser:
    """Incremental text/event-stream parser (https://html.spec.whatwg.org/#event-stream-interpretation)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._reset()

    def _reset(self) -> None:
        self._event = ""
        self._data: List[str] = []
        self._id: Optional[str] = None
        self._retry: Optional[int] = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> List[SseMessage]:
        """The messages completed by ``chunk``."""
        self._buffer += chunk
        messages: List[SseMessage] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return messages
            end, after = cut
            line = self._buffer[:end].decode("utf-8", errors="replace")
            self._buffer = self._buffer[after:]
            if line == "":
                if self._has_fields:
                    messages.append(
                        SseMessage(self._event or "message", "\n".join(self._data), self._id, self._retry)
                    )
                self._reset()
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "event":
                self._event = value
            elif field == "data":
                self._data.append(value)
            elif field == "id":
                self._id = value
            elif field == "retry" and value.isdigit():
                self._retry = int(value)
            else:
                continue
            self._has_fields = True


def _line_end(buffer: bytes) -> Optional[tuple]:
    """(end of the first line, start of the next) for \\n, \\r\\n or \\r endings."""
    for index, byte in enumerate(buffer):
        if byte == 0x0A:
            return index, index + 1
        if byte == 0x0D:
            if index + 1 == len(buffer):
                return None  # a \r\n may be split across chunks
            return index, index + (2 if buffer[index + 1] == 0x0A else 1)
    return None


class _Closed(Exception):
    pass


class EventStream(Iterator[Event]):
    """Events matching a filter, from ``last_event_id`` on (or from now), until :meth:`close`.

    Iterate it (``for event in stream``) or call :meth:`get` with a timeout. A background thread
    reads the connection and reconnects with backoff after a network error, a server restart,
    a 503, or ``reconnectAfterInactivityMs`` without even a ping. Errors that a reconnect cannot
    fix (revoked token, bad filter) end the iteration by raising them.
    """

    def __init__(
        self,
        transport: Transport,
        filter: Dict[str, Any],
        *,
        last_event_id: Optional[str] = None,
        on_reconnect: Optional[Callable[[Optional[str], BaseException], None]] = None,
        procedure: str = "events.stream",
        items_key: str = "events",
        id_key: str = "id",
        head: Optional[Callable[[], int]] = None,
    ) -> None:
        # The same protocol carries other tracked subscriptions (tasks.followLog: messages
        # `{lines: [...]}` whose items are numbered by `seq`): only these four differ.
        self._procedure = procedure
        self._items_key = items_key
        self._id_key = id_key
        self._head_reader = head
        self._transport = transport
        self._filter = filter
        self._on_reconnect = on_reconnect
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=_QUEUE_SIZE)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        self._last_id: Optional[int] = int(last_event_id) if last_event_id is not None else None
        self._yielded_id: Optional[int] = self._last_id
        self._inactivity_s = _DEFAULT_INACTIVITY_S
        self._retry_s: Optional[float] = None
        self._got_connected = False
        self.reconnects = 0
        """How many times the stream connected again after losing its connection."""
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="task-manager-events", daemon=True)
        self._thread.start()

    @property
    def last_event_id(self) -> Optional[str]:
        """The id of the last event yielded: pass it back to resume a new stream there."""
        return None if self._yielded_id is None else str(self._yielded_id)

    def wait_connected(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the first connection is open (its ``connected`` message arrived)."""
        return self._started.wait(timeout)

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        event = self.get(None)
        if event is None:
            raise StopIteration
        return event

    def get(self, timeout: Optional[float]) -> Optional[Event]:
        """The next event; None after ``timeout`` seconds without one or once closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._closed.is_set() and self._queue.empty():
                return None
            left = None if deadline is None else deadline - time.monotonic()
            try:
                if left is not None and left <= 0:
                    item = self._queue.get_nowait()
                else:
                    # Bounded waits so close() from another thread is noticed.
                    item = self._queue.get(timeout=0.5 if left is None else min(left, 0.5))
            except queue.Empty:
                if left is not None and left <= 0:
                    return None
                continue
            if isinstance(item, BaseException):
                self._closed.set()
                raise item
            if item is _CLOSE:
                return None
            self._yielded_id = int(item[self._id_key])
            return item

    def close(self) -> None:
        """Ends the stream: its connection is closed and iteration stops."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            self._queue.put_nowait(_CLOSE)
        except queue.Full:
            pass

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- the reader thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._follow()
        except _Closed:
            return
        except BaseException as error:  # revoked token, bad filter, or a bug: end the iteration
            try:
                self._put(error)
            except _Closed:
                return

    def _follow(self) -> None:
        """Connects, reads, and reconnects until closed; raises what a reconnect cannot fix."""
        failures = 0
        while not self._closed.is_set():
            self._got_connected = False
            try:
                if self._last_id is None:
                    self._last_id = self._head()
                self._read_once()
                reason: BaseException = ServerUnreachableError("the event stream ended")
            except (UnavailableError, ServerUnreachableError) as error:
                reason = error
            # A connection that got as far as `connected` was a success: start the backoff over.
            failures = 1 if self._got_connected else failures + 1
            if self._closed.is_set():
                return
            pause = backoff_s(failures, _MAX_RECONNECT_PAUSE_S)
            hint = getattr(reason, "retry_after", None) or self._retry_s
            if hint:
                pause = max(pause, hint)
            if self._closed.wait(pause):
                return
            if self._on_reconnect is not None:
                self._on_reconnect(None if self._last_id is None else str(self._last_id), reason)
            self.reconnects += 1

    def _read_timeout_s(self) -> float:
        return self._inactivity_s + min(_MAX_INACTIVITY_MARGIN_S, self._inactivity_s / 2)

    def _head(self) -> int:
        """The newest settled event id: "from now" must still mean "no gap", so a reconnect
        before the first event resumes from here rather than from a later "now"."""
        if self._head_reader is not None:
            return self._head_reader()
        head = self._transport.call("events.list", {**self._filter, "limit": 1}, mutation=False)
        return int(head["nextAfterId"])

    def _put(self, item: Any) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Closed()

    def _read_once(self) -> None:
        """One connection, until it ends. Raises what ended it."""
        transport = self._transport
        input = dict(self._filter)
        headers = transport.headers({"accept": "text/event-stream", "user-agent": USER_AGENT})
        if self._last_id is not None:
            headers["last-event-id"] = str(self._last_id)
        conn = transport.new_connection()._http  # a connection of its own, never pooled
        try:
            try:
                conn.timeout = self._read_timeout_s()
                conn.connect()
                # Kept apart from `conn`: http.client drops conn.sock once a response says
                # "Connection: close", while the response goes on reading from this socket.
                sock = conn.sock
                with self._lock:
                    # close() either sees this socket (and shuts it) or set the flag before.
                    if self._closed.is_set():
                        raise _Closed()
                    self._sock = sock
                conn.request("GET", transport.target(self._procedure, input or None), headers=headers)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as error:
                if self._closed.is_set():
                    raise _Closed() from error
                raise ServerUnreachableError(f"cannot reach the server: {error}") from error
            if response.status != 200:
                answer(self._procedure, response.status, response.headers, response.read())
                raise ServerUnreachableError(f"HTTP {response.status}")
            self._read_messages(response)
        finally:
            with self._lock:
                self._sock = None
            conn.close()

    def _read_messages(self, response: http.client.HTTPResponse) -> None:
        parser = SseParser()
        while True:
            try:
                chunk = response.read1(65536)
            except (OSError, http.client.HTTPException, ValueError) as error:
                if self._closed.is_set():
                    raise _Closed() from error
                if isinstance(error, socket.timeout):
                    raise ServerUnreachableError(
                        f"nothing, not even a ping, for {self._inactivity_s:.0f} s"
                    ) from error
                raise ServerUnreachableError(f"the event stream broke: {error}") from error
            if not chunk:
                if self._closed.is_set():
                    raise _Closed()
                raise ServerUnreachableError("the server closed the event stream")
            for message in parser.feed(chunk):
                self._handle(message)

    def _handle(self, message: SseMessage) -> None:
        if message.retry is not None:
            self._retry_s = message.retry / 1000
        if message.event == "connected":
            limit = _json(message.data).get("reconnectAfterInactivityMs")
            if isinstance(limit, (int, float)) and limit > 0:
                self._inactivity_s = limit / 1000
                sock = self._sock
                if sock is not None:
                    sock.settimeout(self._read_timeout_s())
            self._got_connected = True
            self._started.set()
        elif message.event == "ping":
            pass  # it only proves the connection alive: the read timeout starts again
        elif message.event == "serialized-error":
            raise error_from_answer(_json(message.data), http_status=None, procedure=self._procedure)
        elif message.event == "return":
            raise ServerUnreachableError("the server ended the event stream")
        elif message.event == "message" and message.data:
            batch = _json(message.data).get(self._items_key) or []
            for event in batch:
                event_id = int(event[self._id_key])
                # A replay after a reconnect may overlap what was already delivered.
                if self._last_id is not None and event_id <= self._last_id:
                    continue
                self._put(from_wire(event))
                self._last_id = event_id


def _json(text: str) -> Dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_CLOSE = object()
