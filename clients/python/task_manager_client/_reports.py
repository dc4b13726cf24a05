"""A worker's finished tasks, sent in batches (tasks.completeMany / tasks.failMany).

One thread sends one batch at a time; what arrives meanwhile goes in the next batch, so under
load batches grow by themselves to what one round trip accumulates. Each item stays fenced by
its lease on the server. A batch of completions may also claim tasks for the agent
(:class:`ClaimOnComplete`), as sdk/worker/reports.ts does.
"""

from __future__ import annotations

import re
import threading
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Dict, List, Optional, Tuple

from ._transport import retry_transient
from ._wire import to_json
from .agent import AgentClient
from .errors import TaskManagerError, error_from_answer

JsonDict = Dict[str, Any]
Emit = Callable[..., None]

# PostgreSQL cannot store U+0000 or a lone surrogate: the server refuses both (400). Text from
# a tool's output may hold either; it is replaced rather than lose the failure.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str, limit: int = 16_000) -> str:
    cut = text if len(text) <= limit else text[:limit] + "…"
    return _UNSTORABLE.sub("\ufffd", cut)


def serialize_error(error: BaseException) -> JsonDict:
    """What a failed task's ``error`` gets: the exception's name, message and traceback."""
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return {
        "name": storable(type(error).__name__, 200),
        "message": storable(str(error)),
        "stack": storable(stack, 4000),
    }


@dataclass(frozen=True)
class ClaimOnComplete:
    """How many tasks a completeMany of ``n`` tasks may claim for the agent (``slots(n)``: their
    slots are kept free for it), and what runs the tasks it answers (``run(tasks)``, called on
    the reports thread before the batch counts as settled). Neither may wait on the reports.
    ``granting()`` is entered around each completeMany that claims and the ``run`` of its answer
    (see _orphans.py)."""

    slots: Callable[[int], int]
    run: Callable[[List[JsonDict]], None]
    granting: Callable[[], ContextManager[Any]] = nullcontext


class Reports:
    """Completions and failures waiting to be sent, and the thread that sends them."""

    def __init__(
        self,
        agent: AgentClient,
        agent_id: Callable[[], str],
        emit: Emit,
        give_up: threading.Event,
        *,
        delay_s: float,
        max_batch: int,
        on_settled: Callable[[], None],
        before_send: Callable[[], None] = lambda: None,
        send_now: Callable[[], bool] = lambda: False,
        claim_on_complete: Optional[ClaimOnComplete] = None,
    ) -> None:
        self._agent = agent
        self._agent_id = agent_id
        self._emit = emit
        self._give_up = give_up
        self._delay_s = delay_s
        self._max_batch = max_batch
        self._on_settled = on_settled
        # Sends the log lines logged so far: a finished task's lease refuses its late lines.
        self._before_send = before_send
        # True when no other report can be coming (the worker runs nothing else): the batching
        # pause would be pure latency. Called under this object's lock: it must take no other.
        self._send_now = send_now
        self._claim = claim_on_complete
        self._cond = threading.Condition()
        self._completions: List[Tuple[JsonDict, Any]] = []
        self._failures: List[Tuple[JsonDict, JsonDict, bool]] = []
        # The batch in flight (completions and failures go one batch at a time).
        self._sending_completions = 0
        self._sending_failures = 0
        self._sending_tasks: List[JsonDict] = []
        # Someone waits in drain(): the batching pause would only keep them waiting.
        self._draining = 0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="task-manager-reports", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        """Reports not yet acknowledged by the server."""
        with self._cond:
            return (
                len(self._completions) + len(self._failures) + self._sending_completions + self._sending_failures
            )

    @property
    def completing(self) -> int:
        """Completions not yet acknowledged: each keeps its task's slot for the claim it carries."""
        with self._cond:
            return len(self._completions) + self._sending_completions

    @property
    def failing(self) -> int:
        """Failures not yet acknowledged: each keeps its task's slot (see the worker's claim loop)."""
        with self._cond:
            return len(self._failures) + self._sending_failures

    def unacknowledged(self) -> List[JsonDict]:
        """The tasks of the reports not yet acknowledged: the server may still list their leases."""
        with self._cond:
            return (
                [task for task, _ in self._completions]
                + [task for task, _, _ in self._failures]
                + self._sending_tasks
            )

    def complete(self, task: JsonDict, result: Any) -> None:
        # Checked here, where the task is known: inside a batch it would sink the whole request.
        try:
            to_json(result)
        except (TypeError, ValueError) as error:
            self.fail(task, error, retryable=False)
            return
        with self._cond:
            self._completions.append((task, result))
            self._cond.notify_all()

    def fail(self, task: JsonDict, error: BaseException, retryable: bool) -> None:
        self._push_failure(task, serialize_error(error), retryable)

    def _push_failure(self, task: JsonDict, error: JsonDict, retryable: bool) -> None:
        with self._cond:
            self._failures.append((task, error, retryable))
            self._cond.notify_all()

    def drain(self) -> None:
        """Blocks until everything pushed so far is acknowledged (or given up on)."""
        with self._cond:
            self._draining += 1
            self._cond.notify_all()
            try:
                while self.backlog:
                    self._cond.wait(0.5)
            finally:
                self._draining -= 1

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._completions or self._failures or self._closing):
                    self._cond.wait()
                if self._closing and not (self._completions or self._failures):
                    return
                # A short pause lets the other handlers that finish now share the request.
                if (
                    self._delay_s > 0
                    and not self._draining
                    and len(self._completions) < self._max_batch
                    and not self._send_now()
                ):
                    self._cond.wait(self._delay_s)
                completions = self._completions[: self._max_batch]
                del self._completions[: self._max_batch]
                self._sending_completions = len(completions)
                self._sending_tasks = [task for task, _ in completions]
            if completions:
                self._before_send()
                self._send_completions(completions)
                self._settled()
            with self._cond:
                failures = self._failures[: self._max_batch]
                del self._failures[: self._max_batch]
                self._sending_failures = len(failures)
                self._sending_tasks = [task for task, _, _ in failures]
            if failures:
                self._before_send()
                self._send_failures(failures)
                self._settled()

    def _settled(self) -> None:
        with self._cond:
            self._sending_completions = 0
            self._sending_failures = 0
            self._sending_tasks = []
            self._cond.notify_all()
        self._on_settled()

    def _retry(self, call: Callable[[], Any], during: str) -> Any:
        return retry_transient(call, self._give_up, lambda error: self._emit("error", error=error, during=during))

    def _send_completions(self, batch: List[Tuple[JsonDict, Any]]) -> None:
        items = [
            {"taskId": task["id"], "leaseEpoch": task["leaseEpoch"], **({} if result is None else {"result": result})}
            for task, result in batch
        ]
        claim = self._claim.slots(len(batch)) if self._claim is not None else 0
        granting = self._claim.granting() if self._claim is not None and claim > 0 else nullcontext()
        try:
            with granting:
                answer = self._retry(
                    lambda: self._agent.complete_many(self._agent_id(), items, claim=claim), "complete"
                )
                self._completed(batch, answer)
        except TaskManagerError as error:
            if self._give_up.is_set() or len(batch) == 1:
                for task, _ in batch:
                    self._emit("error", error=error, during="complete", task=task)
                # A result the server will never take must not leave the task running until its
                # lease expires: fail it for good, with the reason.
                if not self._give_up.is_set() and error.http_status is not None:
                    self._push_failure(batch[0][0], _refusal_json(error), False)
                return
            for report in batch:
                self._send_completions([report])

    def _completed(self, batch: List[Tuple[JsonDict, Any]], answer: JsonDict) -> None:
        outcomes = {outcome["taskId"]: outcome for outcome in answer["results"]}
        for task, result in batch:
            outcome = outcomes.get(task["id"])
            if outcome and outcome.get("ok"):
                self._emit("completed", task=task, result=result)
            else:
                self._emit("error", error=_refused(outcome), during="complete", task=task)
        # Before the batch counts as settled, which gives back the slots kept for its claim.
        # (An older server answers without "tasks".)
        claimed = answer.get("tasks") or []
        if claimed and self._claim is not None:
            try:
                self._claim.run(claimed)
            except Exception as error:  # noqa: BLE001 - a bug there must not lose the thread
                self._emit("error", error=error, during="claim")

    def _send_failures(self, batch: List[Tuple[JsonDict, JsonDict, bool]]) -> None:
        items = [
            {"taskId": task["id"], "leaseEpoch": task["leaseEpoch"], "error": error, "retryable": retryable}
            for task, error, retryable in batch
        ]
        try:
            answer = self._retry(lambda: self._agent.fail_many(self._agent_id(), items), "fail")
        except TaskManagerError as error:
            if self._give_up.is_set() or len(batch) == 1:
                for task, _, _ in batch:
                    self._emit("error", error=error, during="fail", task=task)
                return
            for report in batch:
                self._send_failures([report])
            return
        outcomes = {outcome["taskId"]: outcome for outcome in answer["results"]}
        for task, error, retryable in batch:
            outcome = outcomes.get(task["id"])
            if outcome and outcome.get("ok"):
                self._emit("failed", task=task, error=error, retryable=retryable)
            else:
                self._emit("error", error=_refused(outcome), during="fail", task=task)


def _refusal_json(error: TaskManagerError) -> JsonDict:
    return {"name": type(error).__name__, "message": storable(error.message)}


def _refused(outcome: Optional[JsonDict]) -> TaskManagerError:
    """The exception of an item the server refused (``{"ok": false, "code", "message"}``)."""
    if not outcome:
        return TaskManagerError("the server returned no outcome for this task")
    code = outcome.get("code")
    return error_from_answer(
        {"message": outcome.get("message") or "refused", "data": {"code": code}}, http_status=None
    )
