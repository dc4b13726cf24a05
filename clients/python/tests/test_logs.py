"""Task logs against the real server: ctx.log in handlers, task_logs, follow_log, fencing."""

from __future__ import annotations

import asyncio
import threading
import unittest
from datetime import datetime
from typing import Any, Dict, List

from task_manager_client import (
    AgentClient,
    AgentWorker,
    AsyncTaskManagerClient,
    ConflictError,
    TaskManagerClient,
)

from . import fixture

GUARD_S = 60.0
"""Bounds a wait that an event ends; never a pause."""


def setUpModule() -> None:
    fixture.server()


class LogTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.tag = fixture.tag()
        self.orchestrator = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"])
        self.viewer = TaskManagerClient(self.server.url, self.server.tokens["viewer"])
        self.workers: List[AgentWorker] = []

    def tearDown(self) -> None:
        for worker in self.workers:
            worker.stop(grace_s=0)
        self.orchestrator.close()
        self.viewer.close()

    def worker(self, name: str, handlers: Dict[str, Any], **options: Any) -> AgentWorker:
        worker = AgentWorker(
            self.server.url, self.server.tokens["agent"], f"{name}-{self.tag}",
            capabilities=[self.tag], wait_s=5, handlers=handlers, **options,
        )
        self.workers.append(worker)
        return worker

    def submit(self, name: str, **fields: Any) -> Dict[str, Any]:
        return self.orchestrator.submit_task(name, capabilities=[self.tag], **fields)["task"]


class HandlerLogs(LogTestCase):
    def test_sync_and_async_handlers_lines_are_stored_in_order_before_the_outcome(self) -> None:
        def sync_step(task, ctx):
            ctx.log.debug("starting", attempt=ctx.attempt)
            for n in range(1, 4):
                ctx.log.info(f"row batch {n}", fields={"rows": n * 100})
            ctx.log.warn("slow source", url="https://example.org", ms=1200)
            return {"rows": 300}

        async def async_step(task, ctx):
            ctx.log.info("thinking", model="small")
            ctx.log.error("the model refused", fields={"code": 451}, retry=False)
            raise RuntimeError("refused")

        self.worker("logger", {"sync": sync_step, "async": async_step}, concurrency=2).start()
        ok = self.submit("logs in a thread", type="sync")
        bad = self.submit("logs on the loop", type="async", max_attempts=1)
        self.assertEqual(self.orchestrator.wait_for_task(ok["id"], timeout_s=GUARD_S)["state"], "succeeded")
        self.assertEqual(self.orchestrator.wait_for_task(bad["id"], timeout_s=GUARD_S)["state"], "failed")

        page = self.viewer.task_logs(ok["id"])
        lines = page["lines"]
        self.assertEqual(
            [(line["level"], line["message"], line["fields"]) for line in lines],
            [
                ("debug", "starting", {"attempt": 1}),
                ("info", "row batch 1", {"rows": 100}),
                ("info", "row batch 2", {"rows": 200}),
                ("info", "row batch 3", {"rows": 300}),
                ("warn", "slow source", {"url": "https://example.org", "ms": 1200}),
            ],
        )
        self.assertEqual([line["seq"] for line in lines], list(range(1, 6)))
        self.assertEqual({line["attempt"] for line in lines}, {1})
        self.assertIsInstance(lines[0]["at"], datetime)
        self.assertIsNotNone(lines[0]["at"].tzinfo)
        self.assertEqual((page["lastSeq"], page["attempts"], page["nextAfterSeq"]), (5, [1], None))
        warned = self.viewer.task_logs(ok["id"], level="warn")["lines"]
        self.assertEqual([line["message"] for line in warned], ["slow source"])
        self.assertEqual([line["seq"] for line in self.viewer.task_logs(ok["id"], after_seq=3)["lines"]], [4, 5])

        failed = self.viewer.task_logs(bad["id"])["lines"]
        self.assertEqual(
            [(line["level"], line["message"], line["fields"]) for line in failed],
            [("info", "thinking", {"model": "small"}), ("error", "the model refused", {"code": 451, "retry": False})],
        )

    def test_a_tasks_lines_are_flushed_before_its_outcome_whatever_the_batching_delay(self) -> None:
        def brief(task, ctx):
            ctx.log.info("done in one go")
            return {"ok": True}

        def fails(task, ctx):
            ctx.log.error("about to fail")
            raise RuntimeError("broken")

        # Lines would otherwise wait a minute for company: only the flush before the outcome
        # (a finished task's lease refuses late lines) sends them.
        self.worker("brief", {"brief": brief, "fails": fails}, log_delay_s=GUARD_S).start()
        done = self.submit("brief", type="brief")
        failed = self.submit("fails", type="fails", max_attempts=1)
        self.assertEqual(self.orchestrator.wait_for_task(done["id"], timeout_s=GUARD_S)["state"], "succeeded")
        self.assertEqual(self.orchestrator.wait_for_task(failed["id"], timeout_s=GUARD_S)["state"], "failed")
        self.assertEqual([l["message"] for l in self.viewer.task_logs(done["id"])["lines"]], ["done in one go"])
        self.assertEqual([l["message"] for l in self.viewer.task_logs(failed["id"])["lines"]], ["about to fail"])

    def test_fields_json_cannot_carry_are_dropped_and_the_line_kept(self) -> None:
        def odd(task, ctx):
            ctx.log.info("with a set", fields={"ids": {3}})
            ctx.log.info("not json", thing=object())
            ctx.log.info("nul \x00 inside", note="lone \ud800 surrogate")
            return None

        self.worker("odd", {"odd": odd}).start()
        task = self.submit("odd fields", type="odd")
        self.assertEqual(self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)["state"], "succeeded")
        lines = self.viewer.task_logs(task["id"])["lines"]
        self.assertEqual(
            [(line["message"], line["fields"]) for line in lines],
            [
                ("with a set", {"ids": [3]}),
                ("not json", None),
                ("nul \ufffd inside", {"note": "lone \ufffd surrogate"}),
            ],
        )


class FollowLog(LogTestCase):
    def test_follow_log_yields_live_lines_and_resumes_after_a_seq_without_gap_or_repeat(self) -> None:
        more = threading.Event()

        def chatty(task, ctx):
            for n in range(1, 4):
                ctx.log.info(f"line {n}")
            if not more.wait(GUARD_S):
                raise RuntimeError("the test never asked for more")
            for n in range(4, 7):
                ctx.log.info(f"line {n}")
            return None

        task = self.submit("chatty", type="chatty")
        seen: List[Dict[str, Any]] = []
        with self.viewer.follow_log(task["id"]) as stream:
            self.assertTrue(stream.wait_connected(GUARD_S))
            self.worker("chatty", {"chatty": chatty}).start()
            while len(seen) < 3:
                line = stream.get(GUARD_S)
                self.assertIsNotNone(line, "no live line arrived")
                seen.append(line)  # type: ignore[arg-type]
            # Live: the handler is still running, held until we ask for more.
            self.assertEqual(self.orchestrator.get_task(task["id"])["state"], "running")
            resume_at = stream.last_event_id
        self.assertEqual([line["message"] for line in seen], ["line 1", "line 2", "line 3"])
        self.assertEqual(resume_at, str(seen[-1]["seq"]))

        more.set()
        self.assertEqual(self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)["state"], "succeeded")
        with self.viewer.follow_log(task["id"], after_seq=int(resume_at or 0)) as resumed:
            rest = []
            while len(rest) < 3:
                line = resumed.get(GUARD_S)
                self.assertIsNotNone(line, "the resumed stream missed lines")
                rest.append(line)
        self.assertEqual([line["message"] for line in rest], ["line 4", "line 5", "line 6"])
        self.assertEqual([line["seq"] for line in seen + rest], list(range(1, 7)))
        self.assertEqual(self.viewer.task_logs(task["id"])["lastSeq"], 6)


    def test_the_async_client_follows_a_log_with_async_for(self) -> None:
        def two_lines(task, ctx):
            ctx.log.info("first")
            ctx.log.info("second")
            return None

        self.worker("two", {"two": two_lines}).start()
        task = self.submit("two lines", type="two")
        self.orchestrator.wait_for_task(task["id"], timeout_s=GUARD_S)

        async def follow() -> List[str]:
            client = AsyncTaskManagerClient(self.server.url, self.server.tokens["viewer"])
            messages: List[str] = []
            async with client.follow_log(task["id"], after_seq=0) as lines:
                async for line in lines:
                    messages.append(line["message"])
                    if len(messages) == 2:
                        break
            client.close()
            return messages

        self.assertEqual(asyncio.run(asyncio.wait_for(follow(), GUARD_S)), ["first", "second"])

class LogFencing(LogTestCase):
    def test_a_stale_epoch_log_raises_conflict_and_writes_nothing(self) -> None:
        agent = AgentClient(self.server.url, self.server.tokens["agent"])
        agent_id = agent.register(f"fenced-log-{self.tag}", capabilities=[self.tag])["id"]
        task = self.submit("fenced log")
        [claimed] = agent.claim(agent_id, max=1, wait_ms=10_000)
        epoch = claimed["leaseEpoch"]

        line = {"level": "info", "message": "from the holder"}
        self.assertEqual(agent.log(agent_id, task["id"], epoch, [line]), {"ok": True, "accepted": 1})
        with self.assertRaises(ConflictError):
            agent.log(agent_id, task["id"], epoch + 1, [{"level": "info", "message": "stale"}])
        outcomes = agent.log_many(
            agent_id,
            [{"taskId": task["id"], "leaseEpoch": epoch - 1 if epoch > 1 else epoch + 1,
              "lines": [{"level": "warn", "message": "stale too"}]}],
        )["results"]
        self.assertEqual((outcomes[0]["ok"], outcomes[0]["code"]), (False, "CONFLICT"))
        agent.complete(agent_id, task["id"], epoch)
        with self.assertRaises(ConflictError):
            agent.log(agent_id, task["id"], epoch, [{"level": "info", "message": "after the end"}])
        self.assertEqual([l["message"] for l in self.viewer.task_logs(task["id"])["lines"]], ["from the holder"])
        agent.close()


if __name__ == "__main__":
    unittest.main()
