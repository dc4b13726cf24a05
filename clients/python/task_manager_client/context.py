"""What a handler gets besides its task: its lease, cancellation and progress reports."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .worker import AgentWorker, _Entry

__all__ = ["TaskContext", "AsyncTaskContext", "TaskLogger"]


class TaskLogger:
    """``ctx.log``: lines for this attempt's log, shown live on the task's page.

    ``ctx.log.info("fetched", url=url, rows=12)`` or ``ctx.log.info("fetched", fields={...})``:
    the keyword arguments (or ``fields``) are the line's structured fields (JSON; fields that are
    not, or over 60 KiB, are dropped, the line kept). Never blocks: lines are buffered and sent
    in batches (``tasks.logMany``), always before the task's own outcome, so the same call
    serves plain and ``async def`` handlers.
    """

    __slots__ = ("_worker", "_entry")

    def __init__(self, worker: "AgentWorker", entry: "_Entry") -> None:
        self._worker = worker
        self._entry = entry

    def _line(self, level: str, message: Any, fields: Optional[Mapping[str, Any]], extra: Dict[str, Any]) -> None:
        merged = {**fields, **extra} if fields and extra else (fields or extra or None)
        self._worker._log(self._entry, level, message, merged)

    def debug(self, message: Any, fields: Optional[Mapping[str, Any]] = None, **more: Any) -> None:
        self._line("debug", message, fields, more)

    def info(self, message: Any, fields: Optional[Mapping[str, Any]] = None, **more: Any) -> None:
        self._line("info", message, fields, more)

    def warn(self, message: Any, fields: Optional[Mapping[str, Any]] = None, **more: Any) -> None:
        self._line("warn", message, fields, more)

    warning = warn
    """As :meth:`warn` (the name the ``logging`` module uses)."""

    def error(self, message: Any, fields: Optional[Mapping[str, Any]] = None, **more: Any) -> None:
        self._line("error", message, fields, more)


class _ContextBase:
    """Shared by the sync and async contexts. New per-task calls (a task log, say) belong here
    as one ``_worker`` method plus a line in each context."""

    def __init__(self, worker: "AgentWorker", entry: "_Entry") -> None:
        self._worker = worker
        self._entry = entry
        self.log = TaskLogger(worker, entry)
        """This attempt's log: ``ctx.log.info("message", key=value)`` (see :class:`TaskLogger`)."""

    @property
    def task(self) -> Dict[str, Any]:
        """The task as claimed: ``id``, ``name``, ``type``, ``payload``, ``attempt``, ``leaseEpoch``..."""
        return self._entry.task

    @property
    def task_id(self) -> str:
        return str(self._entry.task["id"])

    @property
    def attempt(self) -> int:
        """Which attempt this is: 1 for the first run, 2 for the first retry..."""
        return int(self._entry.task.get("attempt") or 1)

    @property
    def lease_epoch(self) -> int:
        """The lease the worker holds; every report about the task carries it."""
        return int(self._entry.task["leaseEpoch"])

    @property
    def agent_id(self) -> str:
        return self._worker.agent_id

    @property
    def cancelled(self) -> bool:
        """True once the worker no longer holds the task: its lease was lost (expired, task or
        run cancelled) or ``stop()``'s grace ran out. Its result would be refused: stop early."""
        return self._entry.cancel_event.is_set()

    @property
    def cancel_reason(self) -> Optional[BaseException]:
        """Why it was cancelled (a LeaseLostError, or the worker shutting down)."""
        return self._entry.cancel_reason


class TaskContext(_ContextBase):
    """The context of a plain (sync) handler, which runs in a thread of its own."""

    def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Sleeps up to ``timeout`` seconds, waking at once if the task is cancelled.

        Returns :attr:`cancelled`: ``while not ctx.wait_cancelled(5): poll()``.
        """
        return self._entry.cancel_event.wait(timeout)

    def progress(
        self,
        fraction: Optional[float] = None,
        step: Optional[str] = None,
        message: Optional[str] = None,
    ) -> None:
        """Reports progress (``fraction`` 0..1, a ``step`` name, a ``message``), extending the
        lease. Network trouble is reported as an ``error`` event and swallowed (heartbeats
        extend the lease too); a lost lease raises LeaseLostError and cancels the context."""
        self._worker._progress(self._entry, fraction, step, message)


class AsyncTaskContext(_ContextBase):
    """The context of an ``async def`` handler, which runs on the worker's event loop.

    A lost lease cancels the handler's asyncio task (``asyncio.CancelledError`` at its next
    ``await``); :attr:`cancelled` says so too.
    """

    async def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Waits up to ``timeout`` seconds without blocking the loop; True if cancelled."""
        event = self._entry.cancel_event
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, event.wait, timeout)

    async def progress(
        self,
        fraction: Optional[float] = None,
        step: Optional[str] = None,
        message: Optional[str] = None,
    ) -> None:
        """As :meth:`TaskContext.progress`, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, self._worker._progress, self._entry, fraction, step, message
        )
