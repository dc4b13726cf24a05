"""tRPC over HTTP with http.client: queries GET ``?input=``, mutations POST JSON.

Each thread keeps one keep-alive connection, so a worker's claim loop, heartbeats and reports
never wait on each other's requests.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import threading
import time
import weakref
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import quote, urlsplit

from ._wire import from_wire, to_json
from .errors import (
    ServerUnreachableError,
    TaskManagerError,
    UnavailableError,
    error_from_answer,
)

__version__ = "0.1.0"
USER_AGENT = f"task-manager-client-python/{__version__}"

# Node's HTTP server closes a keep-alive connection after 5 s idle: a request sent on it just
# then is lost. One idle longer than this is replaced before use instead.
_IDLE_REUSE_S = 2.0
_STALE_CONNECTION = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def trpc_base(url: str) -> str:
    """The tRPC endpoint under a base URL; a URL already naming it is kept."""
    base = url.rstrip("/")
    return base if base.endswith("/api/trpc") else f"{base}/api/trpc"


def backoff_s(attempt: int, max_s: float = 5.0) -> float:
    """Exponential from 0.1 s to ``max_s``, with jitter so a fleet does not retry in step."""
    ceiling = min(max_s, 0.1 * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2


class Connection:
    """One HTTP connection, reused across calls; ``abort()`` from another thread ends a call."""

    def __init__(self, scheme: str, host: str, port: Optional[int], context: Optional[ssl.SSLContext]):
        if scheme == "https":
            self._http: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, context=context
            )
        else:
            self._http = http.client.HTTPConnection(host, port)
        self._last_used = 0.0
        self._aborted = False
        self._lock = threading.Lock()

    def request(
        self, method: str, target: str, body: Optional[bytes], headers: Dict[str, str], timeout_s: float
    ) -> Tuple[int, http.client.HTTPMessage, bytes]:
        """Sends one request and reads the whole answer. Raises ServerUnreachableError."""
        for fresh in (False, True):
            if self._aborted:
                raise ServerUnreachableError("the call was aborted", data={"sent": False})
            if fresh or time.monotonic() - self._last_used > _IDLE_REUSE_S:
                self._http.close()
            reused = self._http.sock is not None
            sent = False
            try:
                self._http.timeout = timeout_s
                if self._http.sock is None:
                    self._http.connect()
                with self._lock:
                    # abort() either sees this socket (and shuts it) or set the flag before.
                    if self._aborted:
                        raise ConnectionAbortedError("aborted")
                self._http.sock.settimeout(timeout_s)  # type: ignore[union-attr]
                self._http.request(method, target, body=body, headers=headers)
                sent = True
                response = self._http.getresponse()
                data = response.read()
                if response.will_close:
                    self._http.close()
                self._last_used = time.monotonic()
                return response.status, response.headers, data
            except _STALE_CONNECTION as error:
                self._http.close()
                # The server closed an idle connection under us. Sent again only when that is
                # safe: a query, or a request that never left (a mutation may have happened).
                if reused and not fresh and not self._aborted and (not sent or method == "GET"):
                    continue
                raise ServerUnreachableError(_describe(error), data={"sent": sent}) from error
            except (OSError, http.client.HTTPException) as error:
                self._http.close()
                if self._aborted:
                    raise ServerUnreachableError("the call was aborted", data={"sent": sent}) from error
                raise ServerUnreachableError(_describe(error), data={"sent": sent}) from error
        raise AssertionError("unreachable")

    def abort(self) -> None:
        """Ends the call in progress (another thread's); later calls are refused at once."""
        with self._lock:
            self._aborted = True
            sock = self._http.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:
        # A client dropped without close() must not leak its socket (or warn about it).
        try:
            self._http.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "timed out waiting for the server"
    text = str(error) or type(error).__name__
    return f"cannot reach the server: {text}"


def _retry_after(headers: Any) -> Optional[float]:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Transport:
    """Sends tRPC calls for one base URL and token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout_s: float = 60.0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.base = trpc_base(url)
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path
        self._token = token
        self._ssl_context = ssl_context
        self.timeout_s = timeout_s
        self._local = threading.local()
        self._connections: "weakref.WeakSet[Connection]" = weakref.WeakSet()
        self._connections_lock = threading.Lock()

    def new_connection(self) -> Connection:
        conn = Connection(self._scheme, self._host, self._port, self._ssl_context)
        with self._connections_lock:
            self._connections.add(conn)
        return conn

    def _thread_connection(self) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.new_connection()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Closes every keep-alive connection (a later call opens a new one)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            conn.close()

    def headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        headers = {"authorization": f"Bearer {self._token}", "user-agent": USER_AGENT}
        headers.update(extra or {})
        return headers

    def target(self, procedure: str, input: Any = None) -> str:
        """The request path of a procedure, with ``?input=`` for a query's input."""
        path = f"{self._path}/{procedure}"
        if input is None:
            return path
        return f"{path}?input={quote(to_json(input), safe='')}"

    def send(
        self,
        method: str,
        target: str,
        body: Optional[bytes] = None,
        headers: Optional[Dict[str, str]] = None,
        *,
        timeout_s: Optional[float] = None,
        connection: Optional[Connection] = None,
    ) -> Tuple[int, http.client.HTTPMessage, bytes]:
        """One raw request (status, headers, body), with this transport's token."""
        conn = connection or self._thread_connection()
        return conn.request(
            method, target, body, self.headers(headers), timeout_s or self.timeout_s
        )

    def call(
        self,
        procedure: str,
        input: Any = None,
        *,
        mutation: bool,
        timeout_s: Optional[float] = None,
        connection: Optional[Connection] = None,
    ) -> Any:
        """Calls a procedure once; returns ``result.data`` or raises its TaskManagerError."""
        if mutation:
            body = to_json(input if input is not None else {}).encode("utf-8")
            status, headers, data = self.send(
                "POST",
                self.target(procedure),
                body,
                {"content-type": "application/json"},
                timeout_s=timeout_s,
                connection=connection,
            )
        else:
            status, headers, data = self.send(
                "GET", self.target(procedure, input), timeout_s=timeout_s, connection=connection
            )
        return answer(procedure, status, headers, data)


def answer(procedure: str, status: int, headers: Any, data: bytes) -> Any:
    """``result.data`` of a tRPC answer, or its error raised as a TaskManagerError."""
    try:
        body = json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict) and status < 400 and isinstance(body.get("result"), dict):
        return from_wire(body["result"].get("data"))
    if isinstance(body, dict) and "error" in body:
        raise error_from_answer(
            body["error"], http_status=status, procedure=procedure, retry_after=_retry_after(headers)
        )
    # Not tRPC's answer: a proxy's page, or a server that is not this one.
    error = error_from_answer({}, http_status=status, procedure=procedure, retry_after=_retry_after(headers))
    if error.code is None:
        raise ServerUnreachableError(
            f"HTTP {status}: not a tRPC answer", http_status=status, procedure=procedure
        )
    error.message = f"HTTP {status}: not a tRPC answer"
    error.args = (error.message,)
    raise error


def retryable(error: TaskManagerError, mutation: bool) -> bool:
    """Safe to repeat: a 503 (nothing was done), a request never sent, or any failed query."""
    if isinstance(error, UnavailableError):
        return True
    if isinstance(error, ServerUnreachableError):
        return not mutation or not error.data.get("sent", True)
    return False


def retry_transient(
    call: Callable[[], Any], give_up: threading.Event, on_error: Callable[[TaskManagerError], None]
) -> Any:
    """Runs ``call`` until it succeeds, fails for good, or ``give_up`` is set (then the last
    error is raised), with backoff: how a worker's reports and log lines are sent."""
    attempt = 0
    while True:
        try:
            return call()
        except TaskManagerError as error:
            if not error.transient or give_up.is_set():
                raise
            on_error(error)
            attempt += 1
            if give_up.wait(max(backoff_s(attempt), error.retry_after or 0.0)):
                raise


def with_retries(
    call: Callable[[], Any],
    *,
    mutation: bool,
    budget_s: float,
    on_retry: Optional[Callable[[TaskManagerError, float], None]] = None,
    wait: Optional[Callable[[float], bool]] = None,
) -> Any:
    """Runs ``call``, repeating what :func:`retryable` allows for up to ``budget_s`` seconds.

    The pause grows exponentially and is never shorter than the server's ``Retry-After``.
    ``wait(seconds)`` returns False to give up early (a worker stopping).
    """
    deadline = time.monotonic() + budget_s
    attempt = 0
    while True:
        try:
            return call()
        except TaskManagerError as error:
            attempt += 1
            pause = max(backoff_s(attempt), error.retry_after or 0.0)
            if not retryable(error, mutation) or time.monotonic() + pause > deadline:
                raise
            if on_retry is not None:
                on_retry(error, pause)
            if wait is None:
                time.sleep(pause)
            elif not wait(pause):
                raise
