"""AgentWorker against the real server: a DAG by three agents, failures, fencing, stopping."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
import unittest
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from task_manager_client import (
    AgentClient,
    AgentWorker,
    ConflictError,
    LeaseLostError,
    NonRetryableError,
    ServerUnreachableError,
    TaskManagerClient,
    WorkerEvent,
)

from . import fixture

GUARD_S = 60.0
"""Bounds a wait that an event ends; never a pause."""


def setUpModule() -> None:
    fixture.server()


class WorkerTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.tag = fixture.tag()
        self.orchestrator = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"])
        self.operator = TaskManagerClient(self.server.url, self.server.tokens["operator"])
        self.workers: List[AgentWorker] = []

    def tearDown(self) -> None:
        for worker in self.workers:
            worker.stop(grace_s=0)
        self.orchestrator.close()
        self.operator.close()

    def worker(self, name: str, handlers: Dict[str, Any], **options: Any) -> AgentWorker:
        options.setdefault("capabilities", [self.tag])
        options.setdefault("wait_s", 5)
        worker = AgentWorker(
            self.server.url, self.server.tokens["agent"], f"{name}-{self.tag}", handlers=handlers, **options
        )
        self.workers.append(worker)
        return worker

    def submit(self, name: str, **fields: Any) -> Dict[str, Any]:
        fields.setdefault("capabilities", [self.tag])
        return self.orchestrator.submit_task(name, **fields)["task"]


class DagByThreeAgents(WorkerTestCase):
    def test_a_50_task_dag_runs_in_dependency_order_on_two_sync_agents_and_an_async_one(self) -> None:
        rng = random.Random(16)
        keys = [f"t{i:02d}" for i in range(50)]
        deps = {key: sorted(rng.sample(keys[:i], min(i, rng.randint(0, 3)))) for i, key in enumerate(keys)}
        async_only = {key for i, key in enumerate(keys) if i % 10 == 5}
        tasks = [
            {
                "key": key,
                "name": f"step {key}",
                "type": "step",
                "payload": {"key": key},
                "depends_on": deps[key],
                "capabilities": [self.tag, f"{self.tag}-async"] if key in async_only else [self.tag],
            }
            for key in keys
        ]
        lock = threading.Lock()
        clock = iter(range(1_000_000))
        started: Dict[str, int] = {}
        ended: Dict[str, int] = {}
        ran_by: Dict[str, str] = {}

        def record(task: Dict[str, Any], ctx: Any, who: str, moment: Dict[str, int]) -> None:
            with lock:
                moment[task["payload"]["key"]] = next(clock)
                ran_by[task["payload"]["key"]] = who

        def sync_step(who: str):
            def handler(task, ctx):
                record(task, ctx, who, started)
                ctx.progress(0.5, "halfway")
                record(task, ctx, who, ended)
                return {"key": task["payload"]["key"], "by": who}

            return handler

        async def async_step(task, ctx):
            record(task, ctx, "async", started)
            await ctx.progress(0.5, "halfway")
            await asyncio.sleep(0)
            record(task, ctx, "async", ended)
            return {"key": task["payload"]["key"], "by": "async"}

        for who in ("sync-a", "sync-b"):
            self.worker(who, {"step": sync_step(who)}, concurrency=3).start()
        self.worker(
            "async", {"step": async_step}, concurrency=3, capabilities=[self.tag, f"{self.tag}-async"]
        ).start()

        submitted = self.orchestrator.submit_workflow("fifty steps", tasks)
        run = self.orchestrator.wait_for_workflow(submitted["workflow"]["id"], timeout_s=180)

        self.assertEqual(run["state"], "succeeded")
        self.assertEqual(run["counts"]["succeeded"], 50)
        self.assertEqual(set(ended), set(keys))
        for key, upstream in deps.items():
            for dep in upstream:
                self.assertGreater(started[key], ended[dep], f"{key} started before {dep} ended")
        self.assertTrue(async_only <= {key for key, who in ran_by.items() if who == "async"})
        # The server agrees: every task started after each of its upstream tasks finished.
        graph = self.orchestrator.get_workflow(submitted["workflow"]["id"])
        by_id = {task["id"]: task for task in graph["tasks"]}
        self.assertEqual(len(graph["edges"]), sum(len(d) for d in deps.values()))
        for edge in graph["edges"]:
            self.assertGreaterEqual(by_id[edge["to"]]["startedAt"], by_id[edge["from"]]["finishedAt"])
        result = self.orchestrator.get_task(submitted["tasks"][7]["id"])["result"]
        self.assertEqual(result["key"], "t07")


class Failures(WorkerTestCase):
    def test_a_handler_failure_is_retried_with_backoff(self) -> None:
        attempts: List[int] = []

        def flaky(task, ctx):
            attempts.append(ctx.attempt)
            if ctx.attempt == 1:
                raise RuntimeError("rate limited")
            return {"attempt": ctx.attempt}

        self.worker("flaky", {"flaky": flaky}).start()
        task = self.submit("flaky", type="flaky", max_attempts=3, backoff={"base_s": 1, "max_s": 1})
        done = self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)

        self.assertEqual(done["state"], "succeeded")
        self.assertEqual(done["result"], {"attempt": 2})
        self.assertEqual((attempts, done["attempts"]), ([1, 2], 2))
        events = self.orchestrator.task_events(task["id"])["items"]
        retrying = next(e for e in events if e["kind"] == "task.retrying")
        self.assertEqual(retrying["toState"], "queued")
        restarted = [e for e in events if e["kind"] == "task.started"][1]
        # The server held the retry back for its backoff (1 s) before it could be claimed again.
        self.assertGreaterEqual((restarted["createdAt"] - retrying["createdAt"]).total_seconds(), 0.9)

    def test_non_retryable_error_fails_the_task_for_good_and_cancels_its_dependents(self) -> None:
        calls: List[str] = []

        def reject(task, ctx):
            calls.append(task["id"])
            raise NonRetryableError("the review was rejected")

        self.worker("reviewer", {"review": reject}).start()
        submitted = self.orchestrator.submit_workflow(
            "review then publish",
            [
                {"key": "review", "name": "Review", "type": "review", "max_attempts": 5,
                 "capabilities": [self.tag]},
                {"key": "publish", "name": "Publish", "type": "publish", "depends_on": ["review"],
                 "capabilities": [self.tag]},
            ],
        )
        run = self.orchestrator.wait_for_workflow(submitted["workflow"]["id"], timeout_s=GUARD_S)
        self.assertEqual(run["state"], "failed")
        review = self.orchestrator.get_task(submitted["tasks"][0]["id"])
        self.assertEqual((review["state"], review["attempts"], len(calls)), ("failed", 1, 1))
        self.assertEqual(review["error"]["name"], "NonRetryableError")
        self.assertEqual(review["error"]["message"], "the review was rejected")
        self.assertEqual(self.orchestrator.get_task(submitted["tasks"][1]["id"])["state"], "cancelled")

    def test_a_task_type_without_a_handler_fails_for_good(self) -> None:
        self.worker("picky", {"known": lambda task, ctx: None}).start()
        task = self.submit("unknown type", type="mystery")
        done = self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)
        self.assertEqual(done["state"], "failed")
        self.assertIn('no handler for task type "mystery"', done["error"]["message"])

    def test_a_result_json_cannot_carry_fails_the_task_instead_of_the_batch(self) -> None:
        self.worker("nan", {"nan": lambda task, ctx: {"ratio": float("nan")}}).start()
        task = self.submit("not json", type="nan")
        done = self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)
        self.assertEqual(done["state"], "failed")
        self.assertEqual(done["attempts"], 1)


class Fencing(WorkerTestCase):
    def test_a_stale_lease_epoch_raises_conflict_and_changes_nothing(self) -> None:
        agent = AgentClient(self.server.url, self.server.tokens["agent"])
        agent_id = agent.register(f"fenced-{self.tag}", capabilities=[self.tag])["id"]
        task = self.submit("fenced")
        [first] = agent.claim(agent_id, max=1, wait_ms=10_000)
        self.orchestrator.cancel_task(task["id"], "re-run it")
        self.operator.retry_task(task["id"])
        [second] = agent.claim(agent_id, max=1, wait_ms=10_000)
        self.assertEqual(second["id"], first["id"])
        self.assertGreater(second["leaseEpoch"], first["leaseEpoch"])

        with self.assertRaises(ConflictError) as refused:
            agent.complete(agent_id, task["id"], first["leaseEpoch"], {"stale": True})
        self.assertIn("stale lease", refused.exception.message)
        with self.assertRaises(ConflictError):
            agent.progress(agent_id, task["id"], first["leaseEpoch"], fraction=0.9)
        outcomes = agent.complete_many(
            agent_id, [{"taskId": task["id"], "leaseEpoch": first["leaseEpoch"], "result": {}}]
        )["results"]
        self.assertEqual((outcomes[0]["ok"], outcomes[0]["code"]), (False, "CONFLICT"))
        self.assertEqual(self.orchestrator.get_task(task["id"])["state"], "running")
        agent.complete(agent_id, task["id"], second["leaseEpoch"], {"fresh": True})
        self.assertEqual(self.orchestrator.get_task(task["id"])["result"], {"fresh": True})
        agent.close()

    def test_a_lost_lease_cancels_a_sync_handler_and_progress_raises_lease_lost(self) -> None:
        seen: Dict[str, Any] = {}
        running = threading.Event()

        def wait_for_cancel(task, ctx):
            running.set()
            seen["cancelled"] = ctx.wait_cancelled(GUARD_S)
            try:
                ctx.progress(0.9)
            except LeaseLostError as error:
                seen["progress"] = error
            return {"too": "late"}

        self.worker("sync", {"slow": wait_for_cancel}, heartbeat_s=0.2).start()
        task = self.submit("cancelled while running", type="slow")
        self.assertTrue(running.wait(GUARD_S))
        self.orchestrator.cancel_task(task["id"], "no longer needed")
        done = self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)

        self.assertEqual(done["state"], "cancelled")
        self.workers[0].stop(grace_s=GUARD_S)
        self.assertTrue(seen["cancelled"])
        self.assertIsInstance(seen["progress"], LeaseLostError)
        self.assertIsNone(self.orchestrator.get_task(task["id"])["result"])

    def test_a_lost_lease_cancels_an_async_handler(self) -> None:
        outcome: Dict[str, Any] = {}
        running = threading.Event()
        cancelled = threading.Event()

        async def forever(task, ctx):
            running.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                outcome["ctx.cancelled"] = ctx.cancelled
                outcome["reason"] = ctx.cancel_reason
                cancelled.set()
                raise

        self.worker("async", {"forever": forever}, heartbeat_s=0.2).start()
        submitted = self.orchestrator.submit_workflow(
            "cancel me", [{"key": "a", "name": "A", "type": "forever", "capabilities": [self.tag]}]
        )
        self.assertTrue(running.wait(GUARD_S))
        self.orchestrator.cancel_workflow(submitted["workflow"]["id"], "superseded")
        self.assertTrue(cancelled.wait(GUARD_S))
        self.assertTrue(outcome["ctx.cancelled"])
        self.assertIsInstance(outcome["reason"], LeaseLostError)


class CallRecorder:
    """Wraps a worker's calls to the server, as sdk/worker.test.ts wraps fetch: which answer
    handed out each task, and which procedures were in flight at the same time."""

    def __init__(self, worker: AgentWorker, after: Optional[Callable[[str, Any], None]] = None) -> None:
        self._lock = threading.Lock()
        self._in_flight: Dict[str, int] = {}
        self.handed_out_by: Dict[str, str] = {}
        self.calls: List[str] = []
        self.together: Set[Tuple[str, str]] = set()
        transport = worker._agent.transport
        real = transport.call

        def call(procedure: str, input: Any = None, **options: Any) -> Any:
            with self._lock:
                self.calls.append(procedure)
                for other, count in self._in_flight.items():
                    if count > 0:
                        self.together.update({(procedure, other), (other, procedure)})
                self._in_flight[procedure] = self._in_flight.get(procedure, 0) + 1
            try:
                answer = real(procedure, input, **options)
            finally:
                with self._lock:
                    self._in_flight[procedure] -= 1
            with self._lock:
                for task in answer.get("tasks") or [] if isinstance(answer, dict) else []:
                    self.handed_out_by[task["id"]] = procedure
            if after is not None:
                after(procedure, answer)
            return answer

        transport.call = call  # type: ignore[method-assign]


class ClaimOnComplete(WorkerTestCase):
    def test_a_chains_next_task_comes_in_its_parents_complete_many_answer_and_with_the_option_off_from_a_claim(
        self,
    ) -> None:
        for claim_on_complete in (True, False):
            with self.subTest(claim_on_complete=claim_on_complete):
                tag = f"{self.tag}-{claim_on_complete}"
                ran: List[str] = []
                worker = self.worker(
                    f"chain-{claim_on_complete}",
                    {"step": lambda task, ctx: ran.append(task["name"]) or {"ran": task["name"]}},
                    capabilities=[tag],
                    claim_on_complete=claim_on_complete,
                )
                recorder = CallRecorder(worker)
                worker.start()
                submitted = self.orchestrator.submit_workflow(
                    f"chain {claim_on_complete}",
                    [
                        {"key": key, "name": key, "type": "step", "capabilities": [tag],
                         "depends_on": [] if i == 0 else ["abc"[i - 1]]}
                        for i, key in enumerate("abc")
                    ],
                )
                run = self.orchestrator.wait_for_workflow(submitted["workflow"]["id"], timeout_s=GUARD_S)

                self.assertEqual((run["state"], ran), ("succeeded", ["a", "b", "c"]))
                # With one slot, a finished task's slot waits for its completion's answer.
                expected = "tasks.completeMany" if claim_on_complete else "agents.claim"
                ids = [task["id"] for task in submitted["tasks"]]
                self.assertEqual([recorder.handed_out_by.get(i) for i in ids[1:]], [expected, expected])
                worker.stop(grace_s=GUARD_S)

    def test_a_lone_completion_goes_at_once_without_the_batch_delay(self) -> None:
        # An hour's batch delay: only a completion sent at once (nothing else runs that could
        # share its request) comes back within the guard.
        self.worker("lone", {"step": lambda task, ctx: {"done": True}}, report_delay_s=3600).start()
        task = self.submit("lone", type="step")
        self.assertEqual(self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)["result"], {"done": True})

    def test_claims_again_only_once_the_server_has_its_failure(self) -> None:
        def broken(task, ctx):
            raise NonRetryableError("broken environment")

        worker = self.worker("fails-then-claims", {"broken": broken})
        recorder = CallRecorder(worker)
        worker.start()
        ids = [self.submit(name, type="broken")["id"] for name in ("first", "second", "third")]
        done = [self.orchestrator.wait_for_task(i, timeout_s=GUARD_S) for i in ids]

        self.assertEqual([task["state"] for task in done], ["failed", "failed", "failed"])
        self.assertIn("tasks.failMany", recorder.calls)
        # The claim after a failure is chosen knowing of it: never sent beside its failMany.
        self.assertNotIn(("agents.claim", "tasks.failMany"), recorder.together)

    def test_stop_hands_back_a_task_a_completions_claim_leased_once_stop_had_begun(self) -> None:
        answered = threading.Event()
        stopping = threading.Event()
        ran: List[str] = []

        def hold_the_answer(procedure: str, answer: Any) -> None:
            # The completion's claim has leased b; its answer reaches the worker after stop().
            if procedure == "tasks.completeMany":
                answered.set()
                stopping.wait(GUARD_S)

        worker = self.worker("stopped-chain", {"step": lambda task, ctx: ran.append(task["name"])})
        recorder = CallRecorder(worker, after=hold_the_answer)
        worker.on("stopping", lambda event: stopping.set())
        worker.start()
        submitted = self.orchestrator.submit_workflow(
            "a then b",
            [
                {"key": "a", "name": "a", "type": "step", "capabilities": [self.tag]},
                # Its only attempt, and an hour's backoff: a hand-back that counted as a
                # failure would fail it for good, or hold it back for an hour.
                {"key": "b", "name": "b", "type": "step", "capabilities": [self.tag], "depends_on": ["a"],
                 "max_attempts": 1, "backoff": {"base_s": 3600, "max_s": 3600}},
            ],
        )
        a, b = (task["id"] for task in submitted["tasks"])
        self.assertTrue(answered.wait(GUARD_S))

        worker.stop(grace_s=GUARD_S)

        self.assertEqual(recorder.handed_out_by.get(b), "tasks.completeMany")
        self.assertEqual(ran, ["a"])
        self.assertEqual(self.orchestrator.get_task(a)["state"], "succeeded")
        handed_back = self.orchestrator.get_task(b)
        self.assertEqual(
            (handed_back["state"], handed_back["attempts"], handed_back["agentId"]), ("queued", 0, None)
        )
        self.worker("successor", {"step": lambda task, ctx: {"by": "the successor"}}).start()
        self.assertEqual(self.orchestrator.wait_for_task(b, timeout_s=GUARD_S)["result"], {"by": "the successor"})


class Orphans(WorkerTestCase):
    """Leases the agent holds for tasks the worker never saw (a lost answer), as
    sdk/worker.test.ts tests them."""

    def test_a_task_a_lost_answer_leased_is_handed_back_its_attempt_refunded_then_run(self) -> None:
        for via in ("agents.claim", "tasks.completeMany"):
            with self.subTest(via=via):
                tag = f"{self.tag}-{via}"
                # Armed once the steady task runs: the next answer of `via` that leases a task
                # commits on the server, but the worker only sees a connection error.
                state: Dict[str, Any] = {"losing": False, "lost": None}
                # Claims are refused before they are sent from the lost answer until the test has
                # seen the task back in the queue: the worker would otherwise claim it at once.
                claims_open = threading.Event()
                steady_started = threading.Event()
                finish_steady = threading.Event()

                def steady(task, ctx):
                    steady_started.set()
                    finish_steady.wait(GUARD_S)
                    return "steady"

                worker = self.worker(
                    f"orphans-{via}",
                    {"steady": steady, "step": lambda task, ctx: {"ran": task["name"]}},
                    capabilities=[tag],
                    concurrency=2,
                    claim_batch=1,
                    heartbeat_s=0.05,
                )
                real = worker._agent.transport.call

                def call(procedure: str, input: Any = None, **options: Any) -> Any:
                    if procedure == "agents.claim" and state["lost"] is not None and not claims_open.is_set():
                        raise ServerUnreachableError(
                            "cannot reach the server: held back by the test", data={"sent": False}
                        )
                    answer = real(procedure, input, **options)
                    if state["losing"] and state["lost"] is None and procedure == via and answer.get("tasks"):
                        state["lost"] = answer["tasks"][0]["id"]
                        raise ServerUnreachableError("cannot reach the server: connection reset", data={"sent": True})
                    return answer

                worker._agent.transport.call = call  # type: ignore[method-assign]
                requeued: List[Tuple[str, Optional[str]]] = []
                handed_back = threading.Event()

                def on_requeued(event: WorkerEvent) -> None:
                    requeued.extend((lease["taskId"], event.reason) for lease in event.leases)
                    handed_back.set()

                worker.on("requeued", on_requeued)
                worker.start()
                steady_task = self.submit("steady", type="steady", capabilities=[tag])["id"]
                self.assertTrue(steady_started.wait(GUARD_S))
                state["losing"] = True
                # Its only attempt, and an hour's backoff: had its lease expired instead, it
                # would have failed for good.
                once: Dict[str, Any] = {"max_attempts": 1, "backoff": {"base_s": 3600, "max_s": 3600}}
                if via == "agents.claim":
                    orphan = self.submit("orphan", type="step", capabilities=[tag], **once)["id"]
                else:
                    submitted = self.orchestrator.submit_workflow(
                        "a then the orphan",
                        [
                            {"key": "a", "name": "a", "type": "step", "capabilities": [tag]},
                            {"key": "b", "name": "orphan", "type": "step", "capabilities": [tag],
                             "depends_on": ["a"], **once},
                        ],
                    )
                    orphan = submitted["tasks"][1]["id"]

                self.assertTrue(handed_back.wait(GUARD_S))
                self.assertEqual((state["lost"], requeued), (orphan, [(orphan, "orphaned")]))
                back = self.orchestrator.get_task(orphan)
                self.assertEqual(
                    (back["state"], back["attempts"], back["agentId"], back["error"]), ("queued", 0, None, None)
                )
                # The task the worker runs kept its lease all along.
                running = self.orchestrator.get_task(steady_task)
                self.assertEqual((running["state"], running["agentId"]), ("running", worker.agent_id))

                claims_open.set()
                done = self.orchestrator.wait_for_task(orphan, timeout_s=GUARD_S)
                self.assertEqual(
                    (done["state"], done["attempts"], done["result"]), ("succeeded", 1, {"ran": "orphan"})
                )
                finish_steady.set()
                done = self.orchestrator.wait_for_task(steady_task, timeout_s=GUARD_S)
                self.assertEqual((done["state"], done["attempts"]), ("succeeded", 1))
                self.assertEqual(requeued, [(orphan, "orphaned")])
                worker.stop(grace_s=GUARD_S)

    def test_a_lease_it_runs_reports_or_is_still_being_handed_is_never_handed_back(self) -> None:
        for claim_on_complete in (False, True):
            with self.subTest(claim_on_complete=claim_on_complete):
                tag = f"{self.tag}-{claim_on_complete}"
                beat = threading.Condition()
                beats = [0]

                def beats_later(n: int) -> None:
                    """Returns once `n` more heartbeat answers have come back."""
                    with beat:
                        target = beats[0] + n
                        beat.wait_for(lambda: beats[0] >= target, GUARD_S)

                held = {"claim answers": 0, "reports": 0, "completion answers": 0}
                worker = self.worker(
                    f"never-{claim_on_complete}",
                    {"step": lambda task, ctx: beats_later(3) or {"ran": task["name"]}},
                    capabilities=[tag],
                    claim_on_complete=claim_on_complete,
                    # No long poll in flight beside what is held: only the rule keeps these leases.
                    wait_s=0,
                    heartbeat_s=0.02,
                )
                real = worker._agent.transport.call

                # Four answers: the last one is read after the hold ends, and the first may have
                # been asked before the lease existed, so two heartbeats in between list it, still
                # unknown to the worker (claims and completions) or out of `running` (reports).
                def call(procedure: str, input: Any = None, **options: Any) -> Any:
                    if procedure == "tasks.completeMany":
                        # Not sent yet: the server still lists the task the report is about.
                        held["reports"] += 1
                        beats_later(4)
                    answer = real(procedure, input, **options)
                    if procedure == "agents.heartbeat":
                        with beat:
                            beats[0] += 1
                            beat.notify_all()
                    elif procedure in ("agents.claim", "tasks.completeMany") and answer.get("tasks"):
                        # Committed on the server, not yet seen by the worker: the agent's lease.
                        held["completion answers" if procedure == "tasks.completeMany" else "claim answers"] += 1
                        beats_later(4)
                    return answer

                worker._agent.transport.call = call  # type: ignore[method-assign]
                requeued: List[WorkerEvent] = []
                worker.on("requeued", requeued.append)
                worker.start()
                submitted = self.orchestrator.submit_workflow(
                    f"held {claim_on_complete}",
                    [
                        {"key": key, "name": key, "type": "step", "capabilities": [tag],
                         "depends_on": [] if i == 0 else ["abc"[i - 1]]}
                        for i, key in enumerate("abc")
                    ],
                )
                run = self.orchestrator.wait_for_workflow(submitted["workflow"]["id"], timeout_s=GUARD_S)

                self.assertEqual(run["state"], "succeeded")
                attempts = [self.orchestrator.get_task(task["id"])["attempts"] for task in submitted["tasks"]]
                self.assertEqual(attempts, [1, 1, 1])
                self.assertEqual(requeued, [])
                self.assertEqual(held["reports"], 3)
                if claim_on_complete:
                    self.assertEqual(held["completion answers"], 2)
                else:
                    self.assertEqual(held["claim answers"], 3)
                worker.stop(grace_s=GUARD_S)


class Stopping(WorkerTestCase):
    def test_stop_lets_running_tasks_finish_within_the_grace_and_hands_back_the_rest(self) -> None:
        release = threading.Event()
        both_running = threading.Barrier(3)
        slow_ctx: Dict[str, Any] = {}

        def quick(task, ctx):
            both_running.wait(GUARD_S)
            release.wait(GUARD_S)
            return {"finished": "in the grace period"}

        def slow(task, ctx):
            slow_ctx["ctx"] = ctx
            both_running.wait(GUARD_S)
            ctx.wait_cancelled(GUARD_S)
            return {"finished": "too late"}

        worker = self.worker("stopping", {"quick": quick, "slow": slow}, concurrency=2)
        worker.on("stopping", lambda event: release.set())
        worker.start()
        quick_task = self.submit("quick", type="quick")
        # Its only attempt, and an hour's backoff: a hand-back that counted as a failure would
        # fail it for good, or keep it from the successor for an hour.
        slow_task = self.submit("slow", type="slow", max_attempts=1, backoff={"base_s": 3600, "max_s": 3600})
        both_running.wait(GUARD_S)

        worker.stop(grace_s=1.0)

        self.assertEqual(self.orchestrator.get_task(quick_task["id"])["state"], "succeeded")
        handed_back = self.orchestrator.get_task(slow_task["id"])
        self.assertEqual(
            (handed_back["state"], handed_back["attempts"], handed_back["agentId"]), ("queued", 0, None)
        )
        self.assertTrue(slow_ctx["ctx"].cancelled)
        # Back in the queue: another agent runs it at once, no lease left to expire first.
        self.worker("successor", {"slow": lambda task, ctx: {"finished": "by the successor"}}).start()
        done = self.orchestrator.wait_for_task(slow_task["id"], timeout_s=GUARD_S)
        self.assertEqual(done["result"], {"finished": "by the successor"})

    def test_sigterm_drains_the_worker_and_returns_its_task_to_the_queue(self) -> None:
        task = self.submit("held at SIGTERM", type="hold", max_attempts=1)
        script = (
            "import sys\n"
            "from task_manager_client import AgentWorker\n"
            "def hold(task, ctx):\n"
            "    print('running', task['id'], flush=True)\n"
            "    ctx.wait_cancelled(600)\n"
            "worker = AgentWorker(sys.argv[1], sys.argv[2], sys.argv[3], capabilities=[sys.argv[4]],\n"
            "                     handlers={'hold': hold}, wait_s=5)\n"
            "worker.run(grace_s=0.5)\n"
            "print('stopped', flush=True)\n"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", script, self.server.url, self.server.tokens["agent"],
             f"sigterm-{self.tag}", self.tag],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            self.assertEqual(process.stdout.readline().split(), ["running", task["id"]])
            process.send_signal(signal.SIGTERM)
            self.assertEqual(process.wait(GUARD_S), 0)
            self.assertEqual(process.stdout.readline().strip(), "stopped")
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout:
                process.stdout.close()
        handed_back = self.orchestrator.get_task(task["id"])
        self.assertEqual(
            (handed_back["state"], handed_back["attempts"], handed_back["agentId"]), ("queued", 0, None)
        )

    def test_stop_during_a_long_poll_returns_without_waiting_for_it(self) -> None:
        worker = self.worker("idle", {"never": lambda task, ctx: None}, wait_s=55)
        claimed: List[WorkerEvent] = []
        worker.on("claimed", claimed.append)
        worker.start()
        started = time.monotonic()
        worker.stop(grace_s=5)
        # Guard only: a stop that waited for the long poll would take its 55 s.
        self.assertLess(time.monotonic() - started, 50)
        self.assertEqual(claimed, [])


if __name__ == "__main__":
    unittest.main()
