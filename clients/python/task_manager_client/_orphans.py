"""Leases the agent holds for tasks its worker never saw, as sdk/worker/orphans.ts finds them.

A claim (or a ``completeMany`` with ``claim``) committed on the server, but its answer was lost
(connection reset, timeout), so the worker retried or moved on. Nothing would ever run those
tasks, and every heartbeat would extend their leases until the worker stops. The worker hands
them back (``tasks.requeue``: not a failure, no attempt spent).

The rule: a lease a heartbeat's answer lists is an orphan when

1. the worker does not know it now: not running, not in an unacknowledged report, not in an
   answer being handed out;
2. the previous heartbeat's answer listed it too, unknown then as well; and
3. every request that may lease tasks and was in flight when that previous answer came back has
   settled since (answered and its tasks handed out, or failed).

Why that is safe. A lease listed by answer P was granted by a request sent before P came back,
so by (3) that request has settled: it either handed the task to the worker, or lost its answer.
A task handed to the worker is known (1) until its report is acknowledged; a heartbeat that read
the leases just before that completion committed still lists it, but the requeue is fenced by
the lease and refused for a task no longer running, so a finished task is never touched. (3) is
what keeps a slow claim answer, still on its way across two heartbeats, from being taken for an
orphan; (2) alone already covers the usual race, a claim answer arriving between a heartbeat's
snapshot and its answer. A long poll in flight for longer than a heartbeat only delays the
hand-back until it returns.

Threads: (3) is read before (1), under this object's lock, which a request's settling also takes:
a request seen settled has handed its tasks out already, so they are known. Nobody takes this
lock while holding the worker's or the reports' lock.

Once stop() has begun the worker does not ask: stop() hands back every lease it still holds,
which includes these when :attr:`OrphanWatch.answer_lost` is set.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

LeaseKey = Tuple[str, int]


def lease_key(task_id: Any, lease_epoch: Any) -> LeaseKey:
    return (str(task_id), int(lease_epoch))


class OrphanWatch:
    """Tracks the requests that may lease tasks, and finds orphans in heartbeat answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._in_flight: Set[int] = set()
        self._previous: Optional[Tuple[Set[LeaseKey], Set[int]]] = None
        self.answer_lost = False
        """A request that may lease tasks failed: stop() should look for leases to hand back."""

    @contextmanager
    def granting(self) -> Iterator[None]:
        """Around a request that may lease tasks and the handing out of its answer's tasks: they
        must be where the worker knows them (running) when the block ends."""
        with self._lock:
            ident = self._next
            self._next += 1
            self._in_flight.add(ident)
        try:
            yield
        except BaseException:
            # It may have leased tasks on the server all the same.
            self.answer_lost = True
            raise
        finally:
            with self._lock:
                self._in_flight.discard(ident)

    def orphans(
        self, leases: Sequence[Mapping[str, Any]], known: Callable[[], Set[LeaseKey]]
    ) -> List[Dict[str, Any]]:
        """Given a heartbeat's leases and what the worker knows (read here, after the requests
        in flight): the orphans to hand back, as ``{"taskId", "leaseEpoch"}``."""
        with self._lock:
            in_flight = set(self._in_flight)
            held = known()
            unknown = {
                key: {"taskId": key[0], "leaseEpoch": key[1]}
                for key in (lease_key(lease["taskId"], lease["leaseEpoch"]) for lease in leases)
                if key not in held
            }
            before = self._previous
            self._previous = (set(unknown), in_flight)
        if before is None or before[1] & in_flight:
            return []
        return [lease for key, lease in unknown.items() if key in before[0]]
