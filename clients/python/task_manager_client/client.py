"""The orchestrator's client: every procedure an orchestrator, operator or viewer calls."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

from ._transport import Transport, with_retries
from ._wire import camel, camel_keys
from .errors import TaskManagerError
from .events import EventStream

__all__ = ["TaskManagerClient", "TERMINAL_STATES", "TERMINAL_RUN_STATES"]

JsonDict = Dict[str, Any]
Timestamp = Union[datetime, str]

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
"""Task states nothing leaves on its own (a retry by request may)."""
TERMINAL_RUN_STATES = TERMINAL_STATES
"""Workflow run states in which no task is left to run."""

# Free-form JSON inside a spec: its keys are the caller's, never renamed.
_OPAQUE = frozenset({"payload", "metadata", "requires", "backoff"})


def task_spec(spec: Mapping[str, Any]) -> JsonDict:
    """A task spec with snake_case field names (``depends_on``) camelCased (``dependsOn``).

    camelCase names, as in the README's JSON, pass unchanged; ``payload`` and the other JSON
    fields are kept as given.
    """
    out: JsonDict = {}
    for key, value in spec.items():
        if value is None:
            continue
        name = camel(key)
        if name in ("backoff", "waitFor") and isinstance(value, Mapping):
            value = camel_keys(value)
        out[name] = value
    return out


def workflow_spec(spec: Mapping[str, Any]) -> JsonDict:
    """A workflow spec (``name``, ``tasks``...) with its tasks' field names camelCased."""
    out = task_spec({k: v for k, v in spec.items() if k != "tasks"})
    if "tasks" in spec:
        out["tasks"] = [task_spec(task) for task in spec["tasks"]]
    return out


class TaskManagerClient:
    """A client of the task manager's API for orchestrators (and operators, viewers).

    ``TaskManagerClient("http://127.0.0.1:3000", token)``: each method is one tRPC call and
    returns the server's answer as plain dicts (camelCase keys, as on the wire), timestamps as
    timezone-aware ``datetime``. A refused call raises the :mod:`~task_manager_client.errors`
    class of its code. A 503 (the server's database is unreachable) and a connection refused are
    retried with backoff for up to ``retry_unavailable_s`` seconds, never less than the
    server's ``Retry-After``; ``on_retry(error, pause_s)`` hears of each retry.

    Safe to share between threads: each thread uses its own keep-alive connection.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout_s: float = 60.0,
        retry_unavailable_s: float = 30.0,
        on_retry: Optional[Callable[[TaskManagerError, float], None]] = None,
    ) -> None:
        self.url = url
        self._transport = Transport(url, token, timeout_s=timeout_s)
        self.retry_unavailable_s = retry_unavailable_s
        self._on_retry = on_retry

    def close(self) -> None:
        """Closes the client's keep-alive connections; it stays usable (they reopen on demand)."""
        self._transport.close()

    def __enter__(self) -> "TaskManagerClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- any procedure ------------------------------------------------------------------------

    def query(self, procedure: str, input: Any = None) -> Any:
        """Calls a query procedure (``GET ?input=``), e.g. ``client.query("metrics.headline")``."""
        return self._call(procedure, input, mutation=False)

    def mutate(self, procedure: str, input: Any = None) -> Any:
        """Calls a mutation procedure (``POST`` JSON), e.g. ``client.mutate("alerts.resolve", {...})``."""
        return self._call(procedure, input, mutation=True)

    def _call(self, procedure: str, input: Any, *, mutation: bool) -> Any:
        return with_retries(
            lambda: self._transport.call(procedure, input, mutation=mutation),
            mutation=mutation,
            budget_s=self.retry_unavailable_s,
            on_retry=self._on_retry,
        )

    # --- tasks --------------------------------------------------------------------------------

    def submit_task(
        self,
        name: str,
        *,
        type: Optional[str] = None,
        payload: Any = None,
        priority: Optional[int] = None,
        capabilities: Optional[Sequence[str]] = None,
        requires: Optional[Mapping[str, float]] = None,
        run_at: Optional[Timestamp] = None,
        timeout_s: Optional[int] = None,
        lease_s: Optional[int] = None,
        max_attempts: Optional[int] = None,
        backoff: Optional[Mapping[str, float]] = None,
        trigger_rule: Optional[str] = None,
        depends_on: Optional[Sequence[str]] = None,
        idempotency_key: Optional[str] = None,
        parent_task_id: Optional[str] = None,
        wait_for: Optional[Mapping[str, Any]] = None,
    ) -> JsonDict:
        """Submits one task; returns ``{"task": {...}, "created": bool}``.

        ``depends_on`` lists task ids; ``backoff`` is ``{"base_s": 5, "max_s": 300}``. With an
        ``idempotency_key`` a repeated call returns the first task (``created`` false).
        ``wait_for={"signal": "approval", "timeout_s": 86400}`` makes it a gate: once its
        dependencies are done it is ``waiting`` (never claimed) until :meth:`signal` resolves it.
        """
        spec = task_spec(
            dict(
                name=name,
                type=type,
                payload=payload,
                priority=priority,
                capabilities=list(capabilities) if capabilities is not None else None,
                requires=requires,
                run_at=run_at,
                timeout_s=timeout_s,
                lease_s=lease_s,
                max_attempts=max_attempts,
                backoff=backoff,
                trigger_rule=trigger_rule,
                depends_on=list(depends_on) if depends_on is not None else None,
                idempotency_key=idempotency_key,
                parent_task_id=parent_task_id,
                wait_for=wait_for,
            )
        )
        return self.mutate("tasks.submit", spec)

    def submit_workflow(
        self,
        name: str,
        tasks: Iterable[Mapping[str, Any]],
        *,
        metadata: Optional[Mapping[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """Submits a whole DAG atomically; returns ``{"workflow": {...}, "tasks": [...]}``.

        Each task is a dict with a ``key`` unique in the workflow and ``depends_on`` (or
        ``dependsOn``) naming other tasks' keys; the other fields are those of
        :meth:`submit_task`. The answer's tasks come in the order given.
        """
        spec = workflow_spec(
            {"name": name, "tasks": list(tasks), "metadata": metadata, "idempotency_key": idempotency_key}
        )
        return self.mutate("workflows.submit", spec)

    def get_task(self, task_id: str) -> JsonDict:
        """One task with every field, plus ``upstream`` / ``downstream`` ids."""
        return self.query("tasks.get", {"id": task_id})

    def list_tasks(
        self,
        *,
        state: Union[str, Sequence[str], None] = None,
        type: Optional[str] = None,
        agent_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        text: Optional[str] = None,
        cursor: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> JsonDict:
        """One page of tasks, newest first: ``{"items": [...], "nextCursor": str | None}``."""
        return self.query(
            "tasks.list",
            camel_keys(
                dict(
                    state=_one_or_list(state),
                    type=type,
                    agent_id=agent_id,
                    workflow_id=workflow_id,
                    text=text,
                    cursor=cursor,
                    limit=limit,
                )
            ),
        )

    def iter_tasks(self, **filters: Any) -> Iterator[JsonDict]:
        """Every task matching the filters of :meth:`list_tasks`, page after page."""
        cursor = None
        while True:
            page = self.list_tasks(cursor=cursor, **filters)
            yield from page["items"]
            cursor = page.get("nextCursor")
            if not cursor:
                return

    def task_events(
        self, task_id: str, *, after_id: Optional[int] = None, limit: Optional[int] = None
    ) -> JsonDict:
        """The task's events in order, after ``after_id``: ``{"items": [...]}``."""
        return self.query("tasks.events", camel_keys(dict(task_id=task_id, after_id=after_id, limit=limit)))

    def explain(self, task_id: str) -> JsonDict:
        """Why the task is waiting (or who runs it, or how it ended)."""
        return self.query("tasks.explain", {"id": task_id})

    def cancel_task(self, task_id: str, reason: Optional[str] = None) -> JsonDict:
        """Cancels the task (and, with it, what depends on it); a running one loses its lease."""
        return self.mutate("tasks.cancel", camel_keys(dict(id=task_id, reason=reason)))

    def retry_task(self, task_id: str, *, with_dependents: bool = False) -> JsonDict:
        """Runs a failed or cancelled task again (operators); ``with_dependents``: and what its
        failure cancelled. Returns ``{"queued": [...], "blocked": [...]}``."""
        return self.mutate("tasks.retry", {"id": task_id, "withDependents": with_dependents})

    def set_task_priority(self, task_id: str, priority: int) -> Any:
        """Changes a task's priority (operators); higher runs first."""
        return self.mutate("tasks.setPriority", {"id": task_id, "priority": priority})

    def wait_for_task(self, task_id: str, *, timeout_s: float = 60.0) -> JsonDict:
        """The task once it is succeeded, failed or cancelled, watched over the event stream.

        Raises ``TimeoutError`` after ``timeout_s``.
        """
        head = self.query("events.list", {"taskId": task_id, "limit": 1})["nextAfterId"]
        task = self.get_task(task_id)
        if task["state"] in TERMINAL_STATES:
            return task
        with self.events(task_id=task_id, last_event_id=str(head)) as stream:
            return _wait(
                stream,
                timeout_s,
                lambda event: event.get("toState") in TERMINAL_STATES,
                lambda: self.get_task(task_id),
                lambda found: found["state"] in TERMINAL_STATES,
                f"task {task_id}",
            )

    # --- signals and approvals -----------------------------------------------------------------

    def signal(
        self,
        task_id: Optional[str] = None,
        signal: str = "approval",
        outcome: str = "succeed",
        *,
        workflow_id: Optional[str] = None,
        key: Optional[str] = None,
        payload: Any = None,
        reason: Optional[str] = None,
    ) -> JsonDict:
        """Resolves a task waiting for ``signal`` (its spec's ``wait_for``), named by
        ``task_id`` or by ``workflow_id`` and ``key``. ``outcome="succeed"``: it succeeds with
        ``payload`` as its result, releasing its dependents; ``"fail"``: it fails for good, with
        ``reason`` in its error. Returns ``{"taskId", "workflowId", "state"}``; a task not
        waiting for that signal (already resolved, say) raises ConflictError."""
        return self.mutate(
            "tasks.signal",
            camel_keys(
                dict(
                    task_id=task_id,
                    workflow_id=workflow_id,
                    key=key,
                    signal=signal,
                    outcome=outcome,
                    payload=payload,
                    reason=reason,
                )
            ),
        )

    def approve(self, task_id: str, comment: Optional[str] = None) -> JsonDict:
        """Approves a task waiting for the ``approval`` signal, as the Approvals page does: its
        result is ``{"approved": True, "comment": comment}`` (no comment: ``{"approved": True}``)."""
        note = (comment or "").strip()
        payload: JsonDict = {"approved": True, "comment": note} if note else {"approved": True}
        return self.signal(task_id, "approval", "succeed", payload=payload)

    def reject(self, task_id: str, reason: str) -> JsonDict:
        """Rejects a task waiting for the ``approval`` signal: it fails for good, ``reason`` in
        its error, and its dependents follow their trigger rule."""
        return self.signal(task_id, "approval", "fail", reason=reason)

    def approvals(self, limit: Optional[int] = None) -> JsonDict:
        """Tasks waiting for approval, longest waiting first: ``{"items": [...], "total"}``; each
        with ``taskId``, ``name``, ``workflow``, ``waitingSince``, ``upstream`` results..."""
        return self.query("approvals.list", camel_keys(dict(limit=limit)))

    def approval_count(self) -> int:
        """How many tasks wait for approval (the header's badge)."""
        return int(self.query("approvals.count")["count"])

    # --- task logs ----------------------------------------------------------------------------

    def task_logs(
        self,
        task_id: str,
        *,
        attempt: Optional[int] = None,
        after_seq: Optional[int] = None,
        limit: Optional[int] = None,
        level: Optional[str] = None,
        text: Optional[str] = None,
    ) -> JsonDict:
        """A page of the task's log in order: ``{"lines", "nextAfterSeq", "attempts", "lastSeq"}``;
        a line is ``{seq, attempt, level, message, fields, at}``. ``level``: that level and
        above; ``text``: in the message; pass ``nextAfterSeq`` back as ``after_seq``."""
        return self.query(
            "tasks.logs",
            camel_keys(
                dict(task_id=task_id, attempt=attempt, after_seq=after_seq, limit=limit, level=level, text=text)
            ),
        )

    def follow_log(
        self,
        task_id: str,
        after_seq: Optional[int] = None,
        *,
        on_reconnect: Optional[Callable[[Optional[str], BaseException], None]] = None,
    ) -> EventStream:
        """The task's log lines as they are stored, as an iterator (an :class:`EventStream` of
        lines; ``last_event_id`` is the last line's ``seq``). ``after_seq``: start after that
        line (e.g. a :meth:`task_logs` page's ``lastSeq``); default: from the log's end now. It
        reconnects by itself and resumes after the last line it yielded: none missed or
        repeated. Close it (or use it as a context manager) when done."""
        return EventStream(
            self._transport,
            {"taskId": task_id},
            last_event_id=None if after_seq is None else str(after_seq),
            on_reconnect=on_reconnect,
            procedure="tasks.followLog",
            items_key="lines",
            id_key="seq",
            head=lambda: int(
                self._transport.call("tasks.logs", {"taskId": task_id, "limit": 1}, mutation=False)["lastSeq"]
            ),
        )

    # --- workflows ----------------------------------------------------------------------------

    def get_workflow(self, workflow_id: str) -> JsonDict:
        """The workflow, its tasks and the DAG's edges."""
        return self.query("workflows.get", {"id": workflow_id})

    def get_workflow_run(self, workflow_id: str) -> JsonDict:
        """One run as the runs list shows it: derived ``state``, ``counts``, times, ``eta``."""
        return self.query("workflows.run", {"id": workflow_id})

    def list_workflows(
        self,
        *,
        state: Union[str, Sequence[str], None] = None,
        text: Optional[str] = None,
        submitter: Optional[str] = None,
        since: Optional[Timestamp] = None,
        until: Optional[Timestamp] = None,
        cursor: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> JsonDict:
        """One page of runs, newest first: ``{"items": [...], "nextCursor": str | None}``."""
        return self.query(
            "workflows.list",
            camel_keys(
                dict(
                    state=_one_or_list(state),
                    text=text,
                    submitter=submitter,
                    since=since,
                    until=until,
                    cursor=cursor,
                    limit=limit,
                )
            ),
        )

    def workflow_timeline(self, workflow_id: str) -> JsonDict:
        """Every task of the run with its attempts (the run page's timeline)."""
        return self.query("workflows.timeline", {"id": workflow_id})

    def cancel_workflow(self, workflow_id: str, reason: Optional[str] = None) -> JsonDict:
        """Cancels every unfinished task of the run; running ones lose their lease."""
        return self.mutate("workflows.cancel", camel_keys(dict(id=workflow_id, reason=reason)))

    def retry_workflow(self, workflow_id: str) -> JsonDict:
        """Runs the failed tasks again, and those their failure cancelled; succeeded ones stay."""
        return self.mutate("workflows.retry", {"id": workflow_id})

    def pause_workflow(self, workflow_id: str) -> JsonDict:
        """No task of the run is claimed until :meth:`resume_workflow`; running ones finish."""
        return self.mutate("workflows.pause", {"id": workflow_id})

    def resume_workflow(self, workflow_id: str) -> JsonDict:
        return self.mutate("workflows.resume", {"id": workflow_id})

    def wait_for_workflow(self, workflow_id: str, *, timeout_s: float = 300.0) -> JsonDict:
        """The run (as :meth:`get_workflow_run`) once it succeeded, failed or was cancelled.

        Watched over the event stream; raises ``TimeoutError`` after ``timeout_s``.
        """
        head = self.query("events.list", {"workflowId": workflow_id, "limit": 1})["nextAfterId"]
        run = self.get_workflow_run(workflow_id)
        if run["state"] in TERMINAL_RUN_STATES:
            return run
        with self.events(workflow_id=workflow_id, last_event_id=str(head)) as stream:
            return _wait(
                stream,
                timeout_s,
                lambda event: event.get("toState") in TERMINAL_STATES
                or str(event.get("kind", "")).startswith("workflow."),
                lambda: self.get_workflow_run(workflow_id),
                lambda found: found["state"] in TERMINAL_RUN_STATES,
                f"workflow {workflow_id}",
            )

    # --- schedules ----------------------------------------------------------------------------

    def create_schedule(
        self,
        name: str,
        *,
        cron: Optional[str] = None,
        every_s: Optional[int] = None,
        timezone: Optional[str] = None,
        task: Optional[Mapping[str, Any]] = None,
        workflow: Optional[Mapping[str, Any]] = None,
        overlap: Optional[str] = None,
        catchup: Optional[str] = None,
        catchup_window_s: Optional[int] = None,
        start_at: Optional[Timestamp] = None,
        end_at: Optional[Timestamp] = None,
        paused: Optional[bool] = None,
    ) -> JsonDict:
        """A recurring task or workflow: exactly one of ``cron`` / ``every_s`` and one of
        ``task`` / ``workflow`` (specs as for :meth:`submit_task` / :meth:`submit_workflow`).
        The spec is validated now; a bad one raises BadRequestError naming the field."""
        return self.mutate(
            "schedules.create",
            _schedule_fields(
                dict(
                    name=name,
                    cron=cron,
                    every_s=every_s,
                    timezone=timezone,
                    task=task,
                    workflow=workflow,
                    overlap=overlap,
                    catchup=catchup,
                    catchup_window_s=catchup_window_s,
                    start_at=start_at,
                    end_at=end_at,
                    paused=paused,
                )
            ),
        )

    def update_schedule(self, schedule_id: str, **fields: Any) -> JsonDict:
        """Changes some fields (names as in :meth:`create_schedule`); the merged schedule is
        validated whole. ``cron`` replaces ``every_s`` and ``task`` replaces ``workflow``, and the
        other way round; ``start_at=None`` is "unchanged", pass ``clear=["start_at"]`` to clear it."""
        clear = [camel(name) for name in fields.pop("clear", [])]
        body = _schedule_fields(fields)
        for name in clear:
            body[name] = None
        body["id"] = schedule_id
        return self.mutate("schedules.update", body)

    def delete_schedule(self, schedule_id: str) -> JsonDict:
        """Deletes the schedule; the runs it made stay."""
        return self.mutate("schedules.delete", {"id": schedule_id})

    def get_schedule(self, schedule_id: str) -> JsonDict:
        return self.query("schedules.get", {"id": schedule_id})

    def list_schedules(self, *, limit: Optional[int] = None, after_name: Optional[str] = None) -> JsonDict:
        """Schedules by name: ``{"items": [...], ...}``; pass the last name as ``after_name``."""
        return self.query("schedules.list", camel_keys(dict(limit=limit, after_name=after_name)))

    def pause_schedule(self, schedule_id: str) -> JsonDict:
        return self.mutate("schedules.pause", {"id": schedule_id})

    def resume_schedule(self, schedule_id: str) -> JsonDict:
        """Fires start again from now; the paused time is not replayed."""
        return self.mutate("schedules.resume", {"id": schedule_id})

    def trigger_schedule(self, schedule_id: str) -> JsonDict:
        """A run now, whatever the timing and the overlap policy say (``taskId`` or ``workflowId``)."""
        return self.mutate("schedules.trigger", {"id": schedule_id})

    def preview_schedule(
        self,
        *,
        cron: Optional[str] = None,
        every_s: Optional[int] = None,
        timezone: Optional[str] = None,
        count: Optional[int] = None,
        after: Optional[Timestamp] = None,
    ) -> JsonDict:
        """The next fire times (``fireTimes``, datetimes) of a cron expression or interval."""
        return self.query(
            "schedules.preview",
            camel_keys(dict(cron=cron, every_s=every_s, timezone=timezone, count=count, after=after)),
        )

    # --- agents, events, seed interface -------------------------------------------------------

    def list_agents(self) -> Any:
        """Every agent with its capabilities, capacity, usage and heartbeat."""
        return self.query("agents.list")

    def drain_agent(self, agent_id: str) -> Any:
        """Operators: stop handing the agent new work; it finishes what it holds."""
        return self.mutate("agents.drain", {"agentId": agent_id})

    def resume_agent(self, agent_id: str) -> Any:
        return self.mutate("agents.resume", {"agentId": agent_id})

    def get_agent(self, agent_id: str) -> JsonDict:
        """One agent: capabilities, capacity, usage, heartbeat, quarantine, leases."""
        return self.query("agents.get", {"agentId": agent_id})

    def release_agent(self, agent_id: str) -> JsonDict:
        """Operators: end the agent's quarantine now; ``{"released": False}`` if it was not."""
        return self.mutate("agents.release", {"agentId": agent_id})

    def scheduling_state(self) -> Any:
        """Pools, reservations and fair shares as the scheduler sees them (``resources.scheduling``)."""
        return self.query("resources.scheduling")

    def metrics_overview(self, range: Optional[str] = None) -> JsonDict:
        """The overview page's figures over ``range`` (``"15m"``, ``"1h"``, ``"24h"``, ``"7d"``)."""
        return self.query("metrics.overview", camel_keys(dict(range=range)))

    def list_events(
        self,
        *,
        after_id: Optional[int] = None,
        limit: Optional[int] = None,
        kinds: Optional[Sequence[str]] = None,
        workflow_id: Optional[str] = None,
        task_id: Optional[str] = None,
        agent_id: Optional[str] = None,
    ) -> JsonDict:
        """The event log for pollers: ``{"items": [...], "nextAfterId": int}``; pass
        ``nextAfterId`` back as ``after_id``. Without ``after_id``: the newest ``limit``."""
        return self.query(
            "events.list",
            camel_keys(
                dict(
                    after_id=after_id,
                    limit=limit,
                    kinds=list(kinds) if kinds is not None else None,
                    workflow_id=workflow_id,
                    task_id=task_id,
                    agent_id=agent_id,
                )
            ),
        )

    def events(
        self,
        *,
        kinds: Optional[Sequence[str]] = None,
        workflow_id: Optional[str] = None,
        task_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
        on_reconnect: Optional[Callable[[Optional[str], BaseException], None]] = None,
    ) -> EventStream:
        """Live events matching every given filter, as an iterator (see :class:`EventStream`).

        ``kinds``: kinds or prefixes ending in ``.`` (``["task.", "workflow.cancelled"]``).
        ``last_event_id``: start after this id (replaying what came since); default: from
        now. The stream reconnects by itself and resumes after the last event it yielded;
        ``on_reconnect(last_id, reason)`` is called before each reconnect. Close it (or use it
        as a context manager) when done.
        """
        return EventStream(
            self._transport,
            camel_keys(
                dict(
                    kinds=list(kinds) if kinds is not None else None,
                    workflow_id=workflow_id,
                    task_id=task_id,
                    agent_id=agent_id,
                )
            ),
            last_event_id=last_event_id,
            on_reconnect=on_reconnect,
        )

    def process_request(self, request: Mapping[str, Any]) -> Any:
        """The seed's interface: ``{"type": "scheduling" | "execution" | "monitoring", ...}``.

        - ``{"type": "scheduling", "task": {...}}`` or ``"workflow": {...}`` submits;
        - ``{"type": "execution", "action": "claim", "params": {...}}`` (register, heartbeat,
          claim, progress, complete, fail) runs the agent procedure of that name;
        - ``{"type": "monitoring", "task_id": ...}`` / ``"workflow_id"`` / neither reports on a
          task, a workflow, or the agents and resources.

        snake_case field names are accepted as well as the wire's camelCase.
        """
        return self.mutate("taskManager.processRequest", seed_request(request))


def seed_request(request: Mapping[str, Any]) -> JsonDict:
    """A seed-style request with its field names camelCased at the levels the server reads."""
    out: JsonDict = {}
    for key, value in request.items():
        name = camel(key)
        if name == "task" and isinstance(value, Mapping):
            value = task_spec(value)
        elif name == "workflow" and isinstance(value, Mapping):
            value = workflow_spec(value)
        elif name == "params" and isinstance(value, Mapping):
            value = {camel(k): v for k, v in value.items()}
        out[name] = value
    return out


def _one_or_list(value: Union[str, Sequence[str], None]) -> Union[str, List[str], None]:
    return value if value is None or isinstance(value, str) else list(value)


def _schedule_fields(fields: Mapping[str, Any]) -> JsonDict:
    body: JsonDict = {}
    for key, value in fields.items():
        if value is None:
            continue
        name = camel(key)
        if name == "task" and isinstance(value, Mapping):
            value = task_spec(value)
        elif name == "workflow" and isinstance(value, Mapping):
            value = workflow_spec(value)
        body[name] = value
    return body


def _wait(
    stream: EventStream,
    timeout_s: float,
    interesting: Callable[[JsonDict], bool],
    read: Callable[[], JsonDict],
    done: Callable[[JsonDict], bool],
    what: str,
) -> JsonDict:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{what} did not end within {timeout_s} s")
        event = stream.get(left)
        if event is None or not interesting(event):
            continue
        # A burst (a run's last tasks ending together) is read once, not once per event.
        while stream.get(0) is not None:
            pass
        found = read()
        if done(found):
            return found
