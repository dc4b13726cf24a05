"""The agent procedures, one call each: what :class:`AgentWorker` is built on.

Use it directly for a loop of your own; every call about a task carries its lease
(``task_id``, ``lease_epoch``), and a stale one raises ConflictError and changes nothing.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ._transport import Connection, Transport
from ._wire import camel_keys

__all__ = ["AgentClient"]

JsonDict = Dict[str, Any]


class AgentClient:
    """Calls the ``agents.*`` / ``tasks.*`` procedures of an agent token, once each (no retry)."""

    def __init__(self, url: str, token: str, *, timeout_s: float = 60.0) -> None:
        self.transport = Transport(url, token, timeout_s=timeout_s)

    def close(self) -> None:
        """Closes the keep-alive connections; the client stays usable."""
        self.transport.close()

    def _mutate(self, procedure: str, input: Any, **options: Any) -> Any:
        return self.transport.call(procedure, input, mutation=True, **options)

    def register(
        self,
        name: str,
        *,
        capabilities: Sequence[str] = (),
        capacity: Optional[Mapping[str, float]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> JsonDict:
        """Announces the agent; the same (token, name) returns the same ``id`` again."""
        return self._mutate(
            "agents.register",
            camel_keys(
                dict(name=name, capabilities=list(capabilities), capacity=dict(capacity or {}), metadata=metadata)
            ),
        )

    def heartbeat(self, agent_id: str) -> JsonDict:
        """Keeps the agent online and extends its leases: ``{"leases": [{taskId, leaseEpoch}...]}``."""
        return self._mutate("agents.heartbeat", {"agentId": agent_id})

    def claim(
        self,
        agent_id: str,
        *,
        max: int = 1,
        wait_ms: int = 0,
        connection: Optional[Connection] = None,
    ) -> List[JsonDict]:
        """Up to ``max`` tasks under lease; with ``wait_ms``, waits that long for one (long poll)."""
        answer = self._mutate(
            "agents.claim",
            {"agentId": agent_id, "max": max, "waitMs": wait_ms},
            timeout_s=self.transport.timeout_s + wait_ms / 1000,
            connection=connection,
        )
        return list(answer["tasks"])

    def progress(
        self,
        agent_id: str,
        task_id: str,
        lease_epoch: int,
        *,
        fraction: Optional[float] = None,
        step: Optional[str] = None,
        message: Optional[str] = None,
    ) -> JsonDict:
        """Reports progress (``fraction`` 0..1) and extends the lease."""
        return self._mutate(
            "tasks.progress",
            camel_keys(
                dict(
                    agent_id=agent_id,
                    task_id=task_id,
                    lease_epoch=lease_epoch,
                    fraction=fraction,
                    step=step,
                    message=message,
                )
            ),
        )

    def complete(self, agent_id: str, task_id: str, lease_epoch: int, result: Any = None) -> JsonDict:
        """Completes the task with its result (JSON)."""
        input: JsonDict = {"agentId": agent_id, "taskId": task_id, "leaseEpoch": lease_epoch}
        if result is not None:
            input["result"] = result
        return self._mutate("tasks.complete", input)

    def fail(
        self, agent_id: str, task_id: str, lease_epoch: int, error: Any, *, retryable: bool = True
    ) -> JsonDict:
        """Fails the attempt; retryable ones are queued again with backoff while attempts remain."""
        return self._mutate(
            "tasks.fail",
            {
                "agentId": agent_id,
                "taskId": task_id,
                "leaseEpoch": lease_epoch,
                "error": error,
                "retryable": retryable,
            },
        )

    def complete_many(self, agent_id: str, items: Sequence[Mapping[str, Any]], *, claim: int = 0) -> JsonDict:
        """Many completions (``{taskId, leaseEpoch, result}``), each fenced on its own:
        ``{"results": [{"taskId", "ok", "code"?, "message"?}...], "tasks": [...]}``. With
        ``claim`` (0..1000) the same transaction claims up to that many tasks for the agent, as
        ``claim`` does but without waiting, and answers them in ``tasks``: a chain's next task
        comes back with its parent's completion."""
        input: JsonDict = {"agentId": agent_id, "items": list(items)}
        if claim > 0:
            input["claim"] = claim
        return self._mutate("tasks.completeMany", input)

    def fail_many(self, agent_id: str, items: Sequence[Mapping[str, Any]]) -> JsonDict:
        """Many failures (``{taskId, leaseEpoch, error, retryable}``), one outcome per item."""
        return self._mutate("tasks.failMany", {"agentId": agent_id, "items": list(items)})

    def requeue(self, agent_id: str, items: Sequence[Mapping[str, Any]]) -> JsonDict:
        """Gives leased tasks (``{taskId, leaseEpoch}``) back to the queue now, as a stopping
        worker does: not a failure, so their attempt is refunded and no backoff applies."""
        return self._mutate("tasks.requeue", {"agentId": agent_id, "items": list(items)})

    def log(self, agent_id: str, task_id: str, lease_epoch: int, lines: Sequence[Mapping[str, Any]]) -> JsonDict:
        """Appends lines (``{level, message, fields?, at?}``) to the attempt held under this
        lease: ``{"ok": True, "accepted": n}``; a stale lease raises ConflictError."""
        return self._mutate(
            "tasks.log",
            {"agentId": agent_id, "taskId": task_id, "leaseEpoch": lease_epoch, "lines": list(lines)},
        )

    def log_many(self, agent_id: str, items: Sequence[Mapping[str, Any]]) -> JsonDict:
        """Lines for many tasks (``{taskId, leaseEpoch, lines}``), each item fenced on its own:
        ``{"results": [{"taskId", "ok", "accepted"?, "code"?, "message"?}...]}``."""
        return self._mutate("tasks.logMany", {"agentId": agent_id, "items": list(items)})
