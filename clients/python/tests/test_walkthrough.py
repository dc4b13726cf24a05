"""The README's walkthrough (tokens, a two-task workflow, an agent, the outcome; then a run
paused, resumed, failed, retried and cancelled; then a schedule), in Python."""

from __future__ import annotations

import asyncio
import unittest
from datetime import datetime, timezone

from task_manager_client import (
    AgentClient,
    AgentWorker,
    AsyncTaskManagerClient,
    ConflictError,
    TaskManagerClient,
)

from . import fixture


def setUpModule() -> None:
    fixture.server()


class ReadmeWalkthrough(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.tag = fixture.tag()
        admin = TaskManagerClient(self.server.url, self.server.tokens["admin"])
        # An orchestrator token and an agent token (each secret is shown once).
        self.orchestrator_token = admin.mutate(
            "tokens.create", {"name": f"report orchestrator {self.tag}", "role": "orchestrator"}
        )["secret"]
        self.agent_token = admin.mutate(
            "tokens.create", {"name": f"report agents {self.tag}", "role": "agent"}
        )["secret"]
        self.orchestrator = TaskManagerClient(self.server.url, self.orchestrator_token)

    def test_weekly_report_over_the_agent_procedures(self) -> None:
        submitted = self.orchestrator.submit_workflow(
            "weekly report",
            [
                {"key": "fetch", "name": "Fetch the figures", "type": "fetch", "payload": {"week": 47},
                 "capabilities": [self.tag]},
                {"key": "summarise", "name": "Summarise them", "type": "summarise",
                 "depends_on": ["fetch"], "capabilities": [self.tag]},
            ],
        )
        fetch_id, summarise_id = (task["id"] for task in submitted["tasks"])
        self.assertEqual([t["state"] for t in submitted["tasks"]], ["queued", "blocked"])

        agent = AgentClient(self.server.url, self.agent_token)
        agent_id = agent.register("report-worker-1", capabilities=[self.tag])["id"]
        self.assertEqual(agent.register("report-worker-1", capabilities=[self.tag])["id"], agent_id)

        [task] = agent.claim(agent_id, max=1, wait_ms=20_000)
        self.assertEqual(task["id"], fetch_id)
        self.assertEqual(task["payload"], {"week": 47})
        agent.progress(agent_id, task["id"], task["leaseEpoch"], fraction=0.5, step="download",
                       message="3 of 6 files")
        running = self.orchestrator.get_task(fetch_id)
        self.assertEqual((running["progress"], running["progressStep"]), (0.5, "download"))
        self.assertIn("report-worker-1", str(self.orchestrator.explain(fetch_id)))
        agent.complete(agent_id, task["id"], task["leaseEpoch"], {"rows": 1280})

        # That completion released `summarise`: the next claim gets it.
        [task] = agent.claim(agent_id, max=1, wait_ms=20_000)
        self.assertEqual(task["id"], summarise_id)
        agent.complete(agent_id, task["id"], task["leaseEpoch"], {"summary": "1280 rows, up 4 %"})

        done = self.orchestrator.wait_for_task(summarise_id, timeout_s=60)
        self.assertEqual(done["state"], "succeeded")
        self.assertEqual(done["result"], {"summary": "1280 rows, up 4 %"})
        self.assertIsInstance(done["finishedAt"], datetime)
        self.assertIsNotNone(done["finishedAt"].tzinfo)
        run = self.orchestrator.wait_for_workflow(submitted["workflow"]["id"], timeout_s=60)
        self.assertEqual(run["state"], "succeeded")
        kinds = [event["kind"] for event in self.orchestrator.task_events(fetch_id)["items"]]
        self.assertIn("task.succeeded", kinds)

    def test_weekly_report_with_the_worker(self) -> None:
        """The README's SDK example: a worker with handlers, and wait_for_task."""
        submitted = self.orchestrator.submit_workflow(
            "weekly report",
            [
                {"key": "fetch", "name": "Fetch the figures", "type": "fetch", "capabilities": [self.tag]},
                {"key": "summarise", "name": "Summarise them", "type": "summarise",
                 "dependsOn": ["fetch"], "capabilities": [self.tag]},
            ],
        )

        def fetch(task, ctx):
            ctx.progress(0.5, "download")
            return {"rows": 1280}

        async def summarise(task, ctx):
            await ctx.progress(1.0, "write")
            return {"summary": "1280 rows, up 4 %"}

        worker = AgentWorker(
            self.server.url,
            self.agent_token,
            "report-worker-1",
            capabilities=[self.tag],
            concurrency=4,
            handlers={"fetch": fetch, "summarise": summarise},
            wait_s=5,
        )
        worker.start()
        try:
            done = self.orchestrator.wait_for_task(submitted["tasks"][1]["id"], timeout_s=60)
        finally:
            worker.stop(grace_s=10)
        self.assertEqual(done["state"], "succeeded")
        self.assertEqual(done["result"], {"summary": "1280 rows, up 4 %"})

    def test_nightly_build_paused_resumed_failed_retried_cancelled(self) -> None:
        submitted = self.orchestrator.submit_workflow(
            f"nightly build {self.tag}",
            [
                {"key": "compile", "name": "Compile", "type": "compile", "capabilities": [self.tag]},
                {"key": "package", "name": "Package", "type": "package", "depends_on": ["compile"],
                 "capabilities": [self.tag]},
            ],
        )
        run_id = submitted["workflow"]["id"]
        package_id = submitted["tasks"][1]["id"]
        agent = AgentClient(self.server.url, self.agent_token)
        agent_id = agent.register("build-worker", capabilities=[self.tag])["id"]

        self.orchestrator.pause_workflow(run_id)
        paused = self.orchestrator.list_workflows(state=["paused"], text=self.tag, limit=10)
        self.assertEqual([run["id"] for run in paused["items"]], [run_id])
        self.assertEqual(agent.claim(agent_id, max=1), [])
        self.assertIn("paused", str(self.orchestrator.explain(submitted["tasks"][0]["id"])))

        self.orchestrator.resume_workflow(run_id)
        [task] = agent.claim(agent_id, max=1, wait_ms=20_000)
        agent.fail(agent_id, task["id"], task["leaseEpoch"], {"message": "compiler crashed"},
                   retryable=False)
        self.assertEqual(self.orchestrator.get_workflow_run(run_id)["state"], "failed")
        self.assertEqual(self.orchestrator.get_task(package_id)["state"], "cancelled")

        retried = self.orchestrator.retry_workflow(run_id)
        self.assertEqual(retried["blocked"], [package_id])
        [task] = agent.claim(agent_id, max=1, wait_ms=20_000)
        self.assertEqual(task["attempt"], 1)

        cancelled = self.orchestrator.cancel_workflow(run_id, "superseded by a newer commit")
        self.assertEqual(cancelled["cancelled"], 2)
        self.assertEqual(self.orchestrator.wait_for_workflow(run_id, timeout_s=30)["state"], "cancelled")
        with self.assertRaises(ConflictError) as refused:
            agent.complete(agent_id, task["id"], task["leaseEpoch"], {"ok": True})
        self.assertEqual(refused.exception.http_status, 409)

    def test_schedule_preview_create_trigger_pause_update_resume_delete(self) -> None:
        preview = self.orchestrator.preview_schedule(
            cron="30 2 * * *", timezone="America/New_York", count=3,
            after=datetime(2026, 3, 7, 12, tzinfo=timezone.utc),
        )
        self.assertEqual(preview["fireTimes"][0], datetime(2026, 3, 8, 7, tzinfo=timezone.utc))

        schedule = self.orchestrator.create_schedule(
            f"weekday-report-{self.tag}",
            cron="0 9 * * 1-5",
            timezone="Europe/Paris",
            overlap="skip",
            catchup="latest",
            task={"name": "Weekday report", "type": "report", "payload": {"table": "sales"},
                  "capabilities": [self.tag]},
        )
        fired = self.orchestrator.trigger_schedule(schedule["id"])
        task = self.orchestrator.get_task(fired["taskId"])
        self.assertEqual((task["name"], task["scheduleId"]), ("Weekday report", schedule["id"]))

        self.assertTrue(self.orchestrator.pause_schedule(schedule["id"])["paused"])
        updated = self.orchestrator.update_schedule(schedule["id"], every_s=3600)
        self.assertEqual((updated["everyS"], updated["cron"]), (3600, None))
        self.assertFalse(self.orchestrator.resume_schedule(schedule["id"])["paused"])
        self.assertEqual(self.orchestrator.get_schedule(schedule["id"])["everyS"], 3600)
        names = [item["name"] for item in self.orchestrator.list_schedules(limit=100)["items"]]
        self.assertIn(schedule["name"], names)
        self.orchestrator.delete_schedule(schedule["id"])
        names = [item["name"] for item in self.orchestrator.list_schedules(limit=100)["items"]]
        self.assertNotIn(schedule["name"], names)
        self.orchestrator.cancel_task(task["id"], "not needed in a test")


class SeedProcessRequest(unittest.TestCase):
    """The seed's `process_request` dicts, snake_case or camelCase, through the same client."""

    def test_scheduling_execution_monitoring(self) -> None:
        server = fixture.server()
        tag = fixture.tag()
        orchestrator = TaskManagerClient(server.url, server.tokens["orchestrator"])
        agent = TaskManagerClient(server.url, server.tokens["agent"])

        submitted = orchestrator.process_request(
            {"type": "scheduling",
             "task": {"name": "seed task", "type": "research", "max_attempts": 2,
                      "capabilities": [tag], "payload": {"topic": "mycology"}}}
        )
        task_id = submitted["task"]["id"]
        self.assertEqual(submitted["task"]["maxAttempts"], 2)
        workflow = orchestrator.process_request(
            {"type": "scheduling",
             "workflow": {"name": "seed workflow", "tasks": [
                 {"key": "a", "name": "A", "capabilities": [tag]},
                 {"key": "b", "name": "B", "depends_on": ["a"], "capabilities": [tag]}]}}
        )
        self.assertEqual([t["state"] for t in workflow["tasks"]], ["queued", "blocked"])
        orchestrator.cancel_workflow(workflow["workflow"]["id"])

        registered = agent.process_request(
            {"type": "execution", "action": "register",
             "params": {"name": f"seed agent {tag}", "capabilities": [tag]}}
        )
        agent_id = registered["id"]
        claimed = agent.process_request(
            {"type": "execution", "action": "claim", "params": {"agent_id": agent_id, "max": 1}}
        )
        [task] = claimed["tasks"]
        self.assertEqual(task["id"], task_id)
        lease = {"agent_id": agent_id, "task_id": task_id, "lease_epoch": task["leaseEpoch"]}
        agent.process_request({"type": "execution", "action": "progress",
                               "params": {**lease, "fraction": 0.25}})
        agent.process_request({"type": "execution", "action": "complete",
                               "params": {**lease, "result": {"findings": 3}}})

        report = orchestrator.process_request({"type": "monitoring", "task_id": task_id})
        self.assertEqual(report["task"]["state"], "succeeded")
        self.assertEqual(report["task"]["result"], {"findings": 3})
        self.assertIn("explanation", report)
        run = orchestrator.process_request(
            {"type": "monitoring", "workflowId": workflow["workflow"]["id"]}
        )
        self.assertEqual(run["workflow"]["id"], workflow["workflow"]["id"])
        self.assertEqual(len(run["workflow"]["edges"]), 1)
        fleet = orchestrator.process_request({"type": "monitoring"})
        self.assertIn(agent_id, [a["id"] for a in fleet["agents"]])

    def test_the_seed_async_orchestrator_style(self) -> None:
        """`async def schedule_task(...)` as the seed writes it, with the asyncio client."""
        server = fixture.server()
        tag = fixture.tag()
        client = AsyncTaskManagerClient(server.url, server.tokens["orchestrator"])

        async def schedule_task(task_request):
            return await client.process_request(task_request)

        async def orchestrate():
            submitted = await schedule_task(
                {"type": "scheduling", "task": {"name": "async seed", "capabilities": [tag]}}
            )
            task_id = submitted["task"]["id"]
            async with client.events(task_id=task_id, last_event_id="0") as stream:
                first = await stream.get(60)
            await client.cancel_task(task_id, "done with it")
            return first, await client.wait_for_task(task_id, timeout_s=60)

        first, done = asyncio.run(orchestrate())
        client.close()
        self.assertEqual(first["kind"], "task.submitted")
        self.assertEqual(done["state"], "cancelled")


if __name__ == "__main__":
    unittest.main()
