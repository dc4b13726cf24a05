"""Handlers' log lines, sent in batches (tasks.logMany), as sdk/worker/logs.ts does.

One thread sends one batch at a time, items grouped by task and fenced by their lease. A
task's lines must reach the server before its outcome (a finished task's lease refuses them):
the reports thread calls :meth:`LogShipper.flush` before each batch of completions or failures.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ._transport import retry_transient
from ._wire import format_timestamp, to_json
from .agent import AgentClient
from .errors import TaskManagerError, error_from_answer

JsonDict = Dict[str, Any]
Emit = Callable[..., None]

LEVELS = ("debug", "info", "warn", "error")
# PostgreSQL refuses U+0000 and lone surrogates (the API answers 400): replaced, not lost.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The server cuts a line at 16 KiB anyway: no need to send megabytes of it.
_MAX_SENT_CHARS = 64 * 1024
# The server refuses fields over 64 KiB, and the whole request with them.
_MAX_FIELDS_BYTES = 60 * 1024


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_UNSTORABLE.sub("\ufffd", str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(item) for item in value]
    return value


def json_fields(fields: Optional[Mapping[str, Any]]) -> Optional[JsonDict]:
    """Fields as JSON the API takes, or None (not JSON, too large): the line is still worth
    having without them."""
    if not fields:
        return None
    try:
        text = to_json(_clean(fields))
    except (TypeError, ValueError, RecursionError):
        return None
    if len(text.encode("utf-8")) > _MAX_FIELDS_BYTES:
        return None
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else None


class LogShipper:
    """Log lines waiting to be sent, and the thread that sends them."""

    def __init__(
        self,
        agent: AgentClient,
        agent_id: Callable[[], str],
        emit: Emit,
        give_up: threading.Event,
        *,
        delay_s: float,
        max_lines: int,
        on_sent: Callable[[], None],
    ) -> None:
        self._agent = agent
        self._agent_id = agent_id
        self._emit = emit
        self._give_up = give_up
        self._delay_s = delay_s
        self._max_lines = max_lines
        self._on_sent = on_sent
        self._cond = threading.Condition()
        self._pending: List[Tuple[JsonDict, JsonDict]] = []
        self._sending = 0
        # Lines pushed, and lines whose batch was answered (or given up), over the shipper's life.
        self._pushed = 0
        self._handled = 0
        self._urgent = 0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="task-manager-logs", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        """Lines not yet answered for."""
        with self._cond:
            return len(self._pending) + self._sending

    def push(self, task: JsonDict, level: str, message: Any, fields: Optional[Mapping[str, Any]]) -> None:
        line: JsonDict = {
            "level": level,
            "message": _UNSTORABLE.sub("\ufffd", str(message)[:_MAX_SENT_CHARS]),
            "at": format_timestamp(datetime.now(timezone.utc)),
        }
        shaped = json_fields(fields)
        if shaped is not None:
            line["fields"] = shaped
        with self._cond:
            self._pending.append((task, line))
            self._pushed += 1
            self._cond.notify_all()

    def flush(self) -> None:
        """Blocks until the lines pushed before this call are answered for (lines pushed
        meanwhile do not keep it waiting)."""
        with self._cond:
            target = self._pushed
            if self._handled >= target:
                return
            self._urgent += 1
            self._cond.notify_all()
            try:
                while self._handled < target:
                    self._cond.wait(0.5)
            finally:
                self._urgent -= 1

    def drain(self) -> None:
        """Blocks until every line pushed so far is answered for."""
        with self._cond:
            self._urgent += 1
            self._cond.notify_all()
            try:
                while self._pending or self._sending:
                    self._cond.wait(0.5)
            finally:
                self._urgent -= 1

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._pending or self._closing):
                    self._cond.wait()
                if not self._pending:
                    return
                # A short pause gathers the lines logged meanwhile, unless someone waits for them.
                if self._delay_s > 0 and not self._urgent and not self._closing and len(self._pending) < self._max_lines:
                    self._cond.wait(self._delay_s)
                batch = self._pending[: self._max_lines]
                del self._pending[: self._max_lines]
                self._sending = len(batch)
            try:
                self._send(batch)
            finally:
                with self._cond:
                    self._sending = 0
                    self._handled += len(batch)
                    self._cond.notify_all()
                self._on_sent()

    def _retry(self, call: Callable[[], Any], during: str) -> Any:
        return retry_transient(call, self._give_up, lambda error: self._emit("error", error=error, during=during))

    def _send(self, batch: List[Tuple[JsonDict, JsonDict]]) -> None:
        by_lease: Dict[Tuple[str, int], Tuple[JsonDict, List[JsonDict]]] = {}
        for task, line in batch:
            key = (str(task["id"]), int(task["leaseEpoch"]))
            by_lease.setdefault(key, (task, []))[1].append(line)
        items = list(by_lease.values())
        try:
            answer = self._retry(
                lambda: self._agent.log_many(
                    self._agent_id(),
                    [
                        {"taskId": task["id"], "leaseEpoch": task["leaseEpoch"], "lines": lines}
                        for task, lines in items
                    ],
                ),
                "log",
            )
        except TaskManagerError as error:
            self._emit("error", error=error, during="log")
            return
        except Exception as error:  # noqa: BLE001 - a bug here must not lose the thread
            self._emit("error", error=error, during="log")
            return
        for (task, _), outcome in zip(items, answer["results"]):
            if not outcome.get("ok"):
                refusal = error_from_answer(
                    {"message": outcome.get("message") or "refused", "data": {"code": outcome.get("code")}},
                    http_status=None,
                )
                self._emit("error", error=refusal, during="log", task=task)
