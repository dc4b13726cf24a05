"""An agent's worker loop: register, long-poll claims for free slots, run handlers, report."""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Set, Union

from ._logs import LEVELS, LogShipper
from ._orphans import LeaseKey, OrphanWatch, lease_key
from ._reports import ClaimOnComplete, Reports
from ._transport import backoff_s
from .agent import AgentClient
from .context import AsyncTaskContext, TaskContext
from .errors import LeaseLostError, NonRetryableError, TaskManagerError

__all__ = ["AgentWorker", "WorkerEvent", "Handler"]

JsonDict = Dict[str, Any]
SyncHandler = Callable[[JsonDict, TaskContext], Any]
AsyncHandler = Callable[[JsonDict, AsyncTaskContext], Awaitable[Any]]
Handler = Union[SyncHandler, AsyncHandler]

SHUTTING_DOWN = "worker shutting down"
# A refusal about a lease that no retry will change: the worker gave the task up.
_LEASE_REFUSALS = ("CONFLICT", "NOT_FOUND", "FORBIDDEN")


class WorkerShuttingDown(Exception):
    """The reason of tasks handed back by ``stop()``: their error says ``worker shutting down``."""

    def __init__(self) -> None:
        super().__init__(SHUTTING_DOWN)


@dataclass
class WorkerEvent:
    """What a listener registered with :meth:`AgentWorker.on` receives.

    ``kind``: ``registered``, ``claimed`` (``tasks``: from a claim or a completion's answer),
    ``completed`` (``task``, ``result``),
    ``stopping`` (stop() began: no more claims),
    ``failed`` (``task``, ``error``, ``retryable``),
    ``requeued`` (``leases``: ``{"taskId", "leaseEpoch"}`` handed back to the queue, not a
    failure; ``reason``: ``orphaned``, leased for tasks the worker never saw by a claim whose
    answer was lost, or ``stop``) or ``error`` (``error``, ``during``: register, log,
    claim, heartbeat, progress, complete, fail, stop; ``task`` when it concerns one).
    """

    kind: str
    agent_id: Optional[str] = None
    task: Optional[JsonDict] = None
    tasks: List[JsonDict] = field(default_factory=list)
    result: Any = None
    error: Any = None
    retryable: Optional[bool] = None
    during: Optional[str] = None
    at: float = field(default_factory=time.time)
    leases: List[JsonDict] = field(default_factory=list)
    reason: Optional[str] = None


class _Entry:
    """A task this worker runs."""

    def __init__(self, task: JsonDict, is_async: bool) -> None:
        self.task = task
        self.is_async = is_async
        self.claimed_at = time.monotonic()
        self.cancel_event = threading.Event()
        self.cancel_reason: Optional[BaseException] = None
        # The worker gave the task up (lease lost, or stop): whatever the handler returns is dropped.
        self.abandoned = False
        self.done = threading.Event()
        self.async_task: Optional["asyncio.Task[Any]"] = None


def _is_async(handler: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)
    )


class AgentWorker:
    """Runs tasks for one agent: ``AgentWorker(url, token, name, handlers={type: fn})``.

    - Registers ``name`` with its ``capabilities`` and ``capacity``, then long-polls
      ``agents.claim`` for as many tasks as it has free slots (``concurrency``).
    - Each task runs its type's handler, ``fn(task, ctx)``: a plain function runs in a thread of
      its own with a :class:`TaskContext`; an ``async def`` runs on the worker's event loop with
      an :class:`AsyncTaskContext`. The return value (JSON) completes the task; an exception
      fails it, retryable unless it is a :class:`NonRetryableError`. A type without a handler
      fails for good.
    - Results and failures go in batches (``tasks.completeMany`` / ``tasks.failMany``);
      heartbeats keep the agent online and its leases alive (a lease two heartbeats in a row
      list for a task the worker never saw, leased by a claim whose answer was lost, is handed
      back to the queue: a ``requeued`` event). Each completeMany also claims as
      many tasks as it completes (``claim_on_complete``, default on): a chain's next task comes
      back with its parent's completion, with no long-poll wake-up and no second round trip.
      A finished task's slot waits for that answer; a failed task's slot frees once the server
      has the failure, so the next claim is chosen knowing of it.
    - A lost lease (task or run cancelled, lease expired) cancels the handler's context
      (``ctx.cancelled``; ``asyncio.CancelledError`` for async handlers); its result is dropped.
    - ``stop(grace_s)`` (or SIGTERM / SIGINT under :meth:`run`) claims nothing more, gives
      running handlers ``grace_s`` seconds, then hands the unfinished tasks (and any a claim cut
      short or a completion's answer leased meanwhile) back to the queue at once
      (``tasks.requeue``: their attempt refunded, no backoff) instead of leaving their lease to
      expire. A second signal cuts the grace short.

    Network trouble is retried with backoff and reported as ``error`` events; it never ends
    the loop.
    """

    def __init__(
        self,
        url: str,
        token: str,
        name: str,
        capabilities: Sequence[str] = (),
        capacity: Optional[Mapping[str, float]] = None,
        *,
        handlers: Mapping[str, Handler],
        metadata: Optional[Mapping[str, Any]] = None,
        concurrency: int = 1,
        claim_batch: Optional[int] = None,
        wait_s: float = 20.0,
        heartbeat_s: float = 10.0,
        report_delay_s: float = 0.002,
        report_batch: int = 500,
        log_batch_lines: int = 5000,
        log_delay_s: Optional[float] = None,
        claim_on_complete: bool = True,
    ) -> None:
        self.name = name
        self._handlers = dict(handlers)
        self._capabilities = list(capabilities)
        self._capacity = dict(capacity or {})
        self._metadata = dict(metadata) if metadata is not None else None
        self._concurrency = max(1, concurrency)
        self._claim_batch = min(1000, max(1, claim_batch or min(self._concurrency, 100)))
        self._wait_ms = int(wait_s * 1000)
        self._heartbeat_s = heartbeat_s
        self._claim_on_complete = claim_on_complete
        # Claiming pauses while this many reports are unacknowledged (the server is
        # unreachable): results must not pile up without bound.
        self._max_backlog = max(1000, self._concurrency * 2)

        self._agent = AgentClient(url, token)
        self._claim_conn = self._agent.transport.new_connection()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._running: Dict[str, _Entry] = {}
        # Leases the agent holds for tasks the worker never saw (a lost claim answer): _orphans.py.
        self._orphans = OrphanWatch()
        self._listeners: Dict[str, List[Callable[[WorkerEvent], None]]] = {}
        self._agent_id: Optional[str] = None
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._give_up = threading.Event()
        self._heartbeat_stop = threading.Event()
        self._done = threading.Event()
        self._started = False
        self._stop_started = False
        self._claim_interrupted = False
        self._claim_thread: Optional[threading.Thread] = None
        self._heartbeat_thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread: Optional[threading.Thread] = None
        log_batch_lines = max(1, min(10_000, log_batch_lines))
        # Handlers that log faster than the server stores must not fill memory either.
        self._max_log_backlog = log_batch_lines * 20
        self._logs = LogShipper(
            self._agent,
            lambda: self.agent_id,
            self._emit,
            self._give_up,
            delay_s=report_delay_s if log_delay_s is None else log_delay_s,
            max_lines=log_batch_lines,
            on_sent=self._wake,
        )
        self._reports = Reports(
            self._agent,
            lambda: self.agent_id,
            self._emit,
            self._give_up,
            delay_s=report_delay_s,
            max_batch=min(1000, report_batch),
            on_settled=self._wake,
            before_send=self._logs.flush,
            # Nothing else running: no other report can join this one within the batch delay.
            # (A lock-free read: the reports thread calls it under its own lock.)
            send_now=lambda: not self._running,
            claim_on_complete=(
                ClaimOnComplete(
                    # A finished task's slot is kept for its completion's claim (see the claim
                    # loop's `free`): the claim and the long poll never ask for more than the
                    # free slots together.
                    slots=lambda completing: 0 if self._stopping.is_set() else completing,
                    run=self._run_claimed,
                    granting=self._orphans.granting,
                )
                if claim_on_complete
                else None
            ),
        )

    # --- public ---------------------------------------------------------------------------

    @property
    def agent_id(self) -> str:
        """The agent's id, known once :meth:`start` returned."""
        if self._agent_id is None:
            raise RuntimeError("the worker has not registered yet: call start()")
        return self._agent_id

    @property
    def running(self) -> int:
        """Handlers running now."""
        with self._lock:
            return len(self._running)

    def on(self, kind: str, listener: Callable[[WorkerEvent], None]) -> Callable[[], None]:
        """Calls ``listener(event)`` for each event of ``kind`` (see :class:`WorkerEvent`), from
        the worker's threads. Returns a function that removes it."""
        self._listeners.setdefault(kind, []).append(listener)
        return lambda: self._listeners.get(kind, []).remove(listener)

    def start(self) -> None:
        """Registers (retrying while the server is unreachable), then claims and runs tasks in
        background threads until :meth:`stop`. Returns once registered."""
        with self._lock:
            if self._started or self._stop_started:
                raise RuntimeError("start() may be called once, before stop()")
            self._started = True
        agent = self._retry(
            lambda: self._agent.register(
                self.name,
                capabilities=self._capabilities,
                capacity=self._capacity,
                metadata=self._metadata,
            ),
            "register",
            self._stopping,
        )
        if agent is None:
            return
        self._agent_id = str(agent["id"])
        self._emit("registered", agent_id=self._agent_id)
        self._claim_thread = threading.Thread(target=self._claim_loop, name=f"{self.name}-claim", daemon=True)
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name=f"{self.name}-heartbeat", daemon=True
        )
        self._claim_thread.start()
        self._heartbeat_thread.start()

    def stop(self, grace_s: float = 30.0, *, flush_timeout_s: float = 10.0) -> None:
        """Stops claiming, lets running handlers finish for up to ``grace_s`` seconds, hands the
        rest back to the queue, sends every report (retrying for up to ``flush_timeout_s`` if
        the server cannot be reached), and returns. Safe to call twice or from several threads."""
        with self._lock:
            first = not self._stop_started
            self._stop_started = True
        if not first:
            self._done.wait()
            return
        try:
            self._shutdown(grace_s, flush_timeout_s)
        finally:
            self._done.set()

    def run(self, grace_s: float = 30.0) -> None:
        """Starts, then blocks until stopped: by :meth:`stop` from another thread, or by SIGTERM
        or SIGINT (Ctrl-C), which drain as ``stop(grace_s)``; a second signal hurries it."""
        restore = self.install_signal_handlers(grace_s)
        try:
            self.start()
            while not self._done.wait(1.0):
                pass
        finally:
            restore()

    def install_signal_handlers(self, grace_s: float = 30.0) -> Callable[[], None]:
        """SIGTERM and SIGINT stop the worker gracefully (see :meth:`run`). Main thread only;
        elsewhere it does nothing. Returns a function that puts the previous handlers back."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_signal(signum: int, frame: Any) -> None:
            if self._stop_started:
                self._hurry.set()
                self._wake()
                return
            # Not stop() itself: a signal handler must not block the main thread.
            threading.Thread(target=self.stop, args=(grace_s,), name=f"{self.name}-stop").start()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def __enter__(self) -> "AgentWorker":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- claiming and running ---------------------------------------------------------------

    def _claim_loop(self) -> None:
        failures = 0
        agent_id = self.agent_id
        while not self._stopping.is_set():
            with self._changed:
                # Slots of finished tasks whose completion is in flight are its claim's
                # (claim_on_complete). A failed task's slot frees once the server has the
                # failure: a claim sent beside it would be chosen as if the attempt had not
                # failed (its retry could come straight back, and an agent whose last attempt
                # failed is dealt the oldest tasks, not the newest).
                free = (
                    self._concurrency
                    - len(self._running)
                    - (self._reports.completing if self._claim_on_complete else 0)
                    - self._reports.failing
                )
                if (
                    free <= 0
                    or self._reports.backlog >= self._max_backlog
                    or self._logs.backlog >= self._max_log_backlog
                ):
                    self._changed.wait()
                    continue
            try:
                with self._orphans.granting():
                    tasks = self._agent.claim(
                        agent_id,
                        max=min(free, self._claim_batch),
                        wait_ms=self._wait_ms,
                        connection=self._claim_conn,
                    )
                    # Handed out inside granting(): the heartbeat knows them once it ends.
                    self._hand_out(tasks)
                failures = 0
            except TaskManagerError as error:
                if self._stopping.is_set():
                    # The answer may have leased tasks we never saw: stop() hands them back.
                    self._claim_interrupted = True
                    return
                self._emit("error", error=error, during="claim")
                failures += 1
                # A refusal (revoked token, agent removed) will not clear up soon.
                ceiling = 5.0 if error.transient else 30.0
                self._stopping.wait(max(backoff_s(failures, ceiling), error.retry_after or 0.0))
                continue
            # Without a long poll an empty answer would make this a busy loop.
            if not tasks and self._wait_ms == 0:
                self._stopping.wait(0.5)

    def _hand_out(self, tasks: List[JsonDict]) -> None:
        """Runs the tasks a claim leased (on the claim thread)."""
        if tasks:
            self._emit("claimed", tasks=tasks)
        for task in tasks:
            if self._stopping.is_set():
                # Leased but not started: stop() hands it back with the others.
                self._claim_interrupted = True
            else:
                self._start_task(task)

    def _run_claimed(self, tasks: List[JsonDict]) -> None:
        """Runs the tasks a completion's claim leased (on the reports thread)."""
        self._emit("claimed", tasks=tasks)
        for task in tasks:
            # Checked and started under the lock that stop() takes to see what runs: a task is
            # either waited for by stop() or handed back by it, never neither.
            with self._lock:
                if self._stopping.is_set():
                    # Leased but not started: stop() hands it back with the others.
                    self._claim_interrupted = True
                else:
                    self._start_task(task)

    def _start_task(self, task: JsonDict) -> None:
        handler = self._handlers.get(str(task.get("type")))
        entry = _Entry(task, handler is not None and _is_async(handler))
        with self._lock:
            self._running[str(task["id"])] = entry
        if handler is None:
            self._settle(entry, error=NonRetryableError(f'no handler for task type "{task.get("type")}"'))
        elif entry.is_async:
            loop = self._event_loop()
            asyncio.run_coroutine_threadsafe(self._run_async(entry, handler), loop)
        else:
            # A thread per task rather than a pool: a handler that ignores cancellation must not
            # keep the process alive after stop() (pool threads are joined at exit).
            threading.Thread(
                target=self._run_sync, args=(entry, handler), name=f"task-{task['id']}", daemon=True
            ).start()

    def _run_sync(self, entry: _Entry, handler: Handler) -> None:
        try:
            result = handler(entry.task, TaskContext(self, entry))  # type: ignore[arg-type]
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(_awaited(result), self._event_loop()).result()
        except BaseException as error:  # noqa: BLE001 - a handler's failure fails its task
            self._settle(entry, error=error)
        else:
            self._settle(entry, result=result)

    async def _run_async(self, entry: _Entry, handler: Handler) -> None:
        entry.async_task = asyncio.current_task()
        if entry.abandoned:
            self._settle(entry, error=entry.cancel_reason or WorkerShuttingDown())
            return
        try:
            result = await handler(entry.task, AsyncTaskContext(self, entry))  # type: ignore[arg-type,misc]
        except BaseException as error:  # noqa: BLE001 - includes the CancelledError of a lost lease
            self._settle(entry, error=error)
        else:
            self._settle(entry, result=result)

    def _settle(self, entry: _Entry, *, result: Any = None, error: Optional[BaseException] = None) -> None:
        with self._changed:
            task_id = str(entry.task["id"])
            # The same task may run again here under a newer lease: remove only this entry.
            # Before the report: the reports thread then knows whether anything else runs.
            if self._running.get(task_id) is entry:
                del self._running[task_id]
            # Under the lock that abandon() takes: a task is reported once, by its handler or
            # by stop(), never both. Under the claim loop's lock too: its `free` sees the slot
            # pass from running to the report, never twice or not at all.
            if not entry.abandoned:
                if error is None:
                    self._reports.complete(entry.task, result)
                else:
                    self._reports.fail(entry.task, error, not isinstance(error, NonRetryableError))
            entry.done.set()
            self._changed.notify_all()

    def _abandon(self, entry: _Entry, reason: BaseException, during: str) -> bool:
        with self._lock:
            if entry.abandoned:
                return False
            entry.abandoned = True
            entry.cancel_reason = reason
        entry.cancel_event.set()
        if entry.is_async and self._loop is not None:
            self._loop.call_soon_threadsafe(_cancel, entry)
        self._emit("error", error=reason, during=during, task=entry.task)
        return True

    def _progress(
        self, entry: _Entry, fraction: Optional[float], step: Optional[str], message: Optional[str]
    ) -> None:
        if entry.abandoned:
            raise entry.cancel_reason or LeaseLostError(str(entry.task["id"]), "given up")
        task = entry.task
        try:
            self._agent.progress(
                self.agent_id,
                str(task["id"]),
                int(task["leaseEpoch"]),
                fraction=fraction,
                step=step,
                message=message,
            )
        except TaskManagerError as error:
            if error.transient:
                self._emit("error", error=error, during="progress", task=task)
                return
            if error.code in _LEASE_REFUSALS:
                lost = LeaseLostError(str(task["id"]), error.message)
                self._abandon(entry, lost, "progress")
                raise lost from error
            raise

    def _log(self, entry: _Entry, level: str, message: Any, fields: Optional[Mapping[str, Any]]) -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        # Lines of an attempt the worker gave up would be refused: not worth a request.
        if not entry.abandoned:
            self._logs.push(entry.task, level, message, fields)

    # --- heartbeats ------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        while not self._heartbeat_stop.wait(self._heartbeat_s):
            self._heartbeat()

    def _heartbeat(self) -> None:
        """Keeps the agent online and its leases alive; gives up tasks the server no longer lists,
        and hands back leases it lists for tasks the worker never saw (_orphans.py)."""
        sent_at = time.monotonic()
        agent_id = self.agent_id
        try:
            leases = self._agent.heartbeat(agent_id)["leases"]
        except TaskManagerError as error:
            self._emit("error", error=error, during="heartbeat")
            return
        held = {lease_key(lease["taskId"], lease["leaseEpoch"]) for lease in leases}
        with self._lock:
            entries = list(self._running.values())
        for entry in entries:
            key = lease_key(entry.task["id"], entry.task["leaseEpoch"])
            # A task claimed after the heartbeat left may be missing from its answer.
            if entry.claimed_at >= sent_at or key in held:
                continue
            self._abandon(entry, LeaseLostError(key[0], "not among the agent's leases"), "heartbeat")
        # stop() hands back every lease the agent still holds, orphans included.
        if self._stopping.is_set():
            return
        orphaned = self._orphans.orphans(leases, self._known_leases)
        if orphaned:
            self._hand_back(agent_id, orphaned, "orphaned", "heartbeat")

    def _known_leases(self) -> Set[LeaseKey]:
        """The leases of the tasks running or reported but not yet acknowledged. Under the lock
        that _settle() takes: a task moving from running to its report is seen in one or the other."""
        with self._lock:
            tasks = [entry.task for entry in self._running.values()] + self._reports.unacknowledged()
        return {lease_key(task["id"], task["leaseEpoch"]) for task in tasks}

    def _hand_back(self, agent_id: str, leases: List[JsonDict], reason: str, during: str) -> None:
        """tasks.requeue: the leases go back to the queue, their attempt refunded. Only those the
        server took are reported: one refused was no longer held (its completion had just
        committed, say)."""
        try:
            answer = self._agent.requeue(agent_id, leases)
        except TaskManagerError as error:
            self._emit("error", error=error, during=during)
            return
        taken = {str(outcome["taskId"]) for outcome in answer["results"] if outcome.get("ok")}
        requeued = [lease for lease in leases if str(lease["taskId"]) in taken]
        if requeued:
            self._emit("requeued", leases=requeued, reason=reason)

    # --- stopping --------------------------------------------------------------------------

    def _shutdown(self, grace_s: float, flush_timeout_s: float) -> None:
        self._stopping.set()
        self._emit("stopping")
        self._claim_conn.abort()
        self._wake()
        if self._claim_thread is not None:
            self._claim_thread.join()
        deadline = time.monotonic() + grace_s
        with self._changed:
            while self._running and not self._hurry.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            leftovers = [entry for entry in self._running.values() if not entry.abandoned]
            for entry in leftovers:
                self._abandon(entry, WorkerShuttingDown(), "stop")
        # Cancelled coroutines end at their next await; let them, so the loop closes clean.
        for entry in leftovers:
            if entry.is_async:
                entry.done.wait(min(5.0, flush_timeout_s))
        give_up = threading.Timer(flush_timeout_s, self._give_up.set)
        give_up.daemon = True
        give_up.start()
        try:
            self._logs.drain()
            self._reports.drain()
            if self._agent_id is not None and (
                leftovers or self._claim_interrupted or self._orphans.answer_lost
            ):
                self._requeue_unfinished(self._agent_id)
        finally:
            give_up.cancel()
            self._heartbeat_stop.set()
            if self._heartbeat_thread is not None and self._heartbeat_thread is not threading.current_thread():
                self._heartbeat_thread.join()
            self._reports.close()
            self._logs.close()
            self._close_loop()
            self._agent.close()

    def _requeue_unfinished(self, agent_id: str) -> None:
        """Once every finished task is reported, any lease the agent still holds is a task it
        gave up (the grace ran out), one a claim cut short by stop() leased without its answer
        arriving, one a completion's answer leased once stop() had begun, or one whose answer was
        lost before, not yet handed back by the heartbeat: hand them back to the queue now
        (``tasks.requeue``: no attempt spent, no backoff) rather than leave them until their
        lease expires."""
        try:
            leases = self._retry(lambda: self._agent.heartbeat(agent_id), "stop", self._give_up)
        except TaskManagerError as error:
            self._emit("error", error=error, during="stop")
            return
        if leases and leases["leases"]:
            self._hand_back(
                agent_id,
                [{"taskId": lease["taskId"], "leaseEpoch": lease["leaseEpoch"]} for lease in leases["leases"]],
                "stop",
                "stop",
            )

    # --- plumbing --------------------------------------------------------------------------

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._loop_thread = threading.Thread(target=serve, name=f"{self.name}-asyncio", daemon=True)
                self._loop_thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def _close_loop(self) -> None:
        loop, thread = self._loop, self._loop_thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    def _wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _retry(self, call: Callable[[], Any], during: str, stop: threading.Event) -> Any:
        """``call()`` until it succeeds or fails for good; None if ``stop`` is set meanwhile."""
        attempt = 0
        while not stop.is_set():
            try:
                return call()
            except TaskManagerError as error:
                if not error.transient:
                    raise
                self._emit("error", error=error, during=during)
                attempt += 1
                stop.wait(max(backoff_s(attempt), error.retry_after or 0.0))
        return None

    def _emit(self, kind: str, **fields: Any) -> None:
        event = WorkerEvent(kind=kind, **fields)
        for listener in list(self._listeners.get(kind, [])):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop the worker
                import traceback

                traceback.print_exc()


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _cancel(entry: _Entry) -> None:
    if entry.async_task is not None and not entry.async_task.done():
        entry.async_task.cancel()
