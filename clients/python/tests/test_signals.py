"""Waits, signals and approvals against the real server: a gate, its signal, the wrappers."""

from __future__ import annotations

import unittest
from datetime import datetime
from typing import Any, Dict, List

from task_manager_client import AgentWorker, ConflictError, TaskManagerClient

from . import fixture

GUARD_S = 60.0
"""Bounds a wait that an event ends; never a pause."""


def setUpModule() -> None:
    fixture.server()


class SignalTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.tag = fixture.tag()
        self.orchestrator = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"])
        self.operator = TaskManagerClient(self.server.url, self.server.tokens["operator"])
        self.viewer = TaskManagerClient(self.server.url, self.server.tokens["viewer"])
        self.workers: List[AgentWorker] = []

    def tearDown(self) -> None:
        for worker in self.workers:
            worker.stop(grace_s=0)
        for client in (self.orchestrator, self.operator, self.viewer):
            client.close()

    def wait_until_waiting(self, task_id: str, head: int) -> Dict[str, Any]:
        """The task once it is `waiting`, watched over the event stream from ``head`` on."""
        with self.orchestrator.events(task_id=task_id, last_event_id=str(head)) as stream:
            task = self.orchestrator.get_task(task_id)
            while task["state"] != "waiting":
                event = stream.get(GUARD_S)
                self.assertIsNotNone(event, f"task {task_id} never started waiting")
                if event is not None and event["toState"] == "waiting":
                    task = self.orchestrator.get_task(task_id)
        return task


class Signals(SignalTestCase):
    def test_a_wait_for_task_waits_until_its_signal_releases_its_dependent_with_the_payload(self) -> None:
        submitted = self.orchestrator.submit_workflow(
            "deploy gate",
            [
                {"key": "gate", "name": "Wait for the deploy", "wait_for": {"signal": "deploy", "timeout_s": 3600}},
                {"key": "after", "name": "After the deploy", "type": "after", "depends_on": ["gate"],
                 "capabilities": [self.tag]},
            ],
        )
        run_id = submitted["workflow"]["id"]
        gate, after = submitted["tasks"]
        waiting = self.orchestrator.get_task(gate["id"])
        self.assertEqual(waiting["state"], "waiting")
        self.assertEqual(self.orchestrator.get_task(after["id"])["state"], "blocked")
        self.assertIn("waiting for signal `deploy`", str(self.orchestrator.explain(gate["id"])))

        answer = self.orchestrator.signal(
            workflow_id=run_id, key="gate", signal="deploy", payload={"version": "1.4.2"}
        )
        self.assertEqual(answer, {"taskId": gate["id"], "workflowId": run_id, "state": "succeeded"})
        self.assertEqual(self.orchestrator.get_task(gate["id"])["result"], {"version": "1.4.2"})
        self.assertEqual(self.orchestrator.get_task(after["id"])["state"], "queued")

        with self.assertRaises(ConflictError) as refused:
            self.orchestrator.signal(gate["id"], "deploy", payload={"version": "again"})
        self.assertIn("already succeeded", refused.exception.message)
        self.assertEqual(self.orchestrator.get_task(gate["id"])["result"], {"version": "1.4.2"})

    def test_a_signal_the_task_does_not_wait_for_is_a_conflict(self) -> None:
        task = self.orchestrator.submit_task("gate", wait_for={"signal": "deploy"})["task"]
        with self.assertRaises(ConflictError) as refused:
            self.orchestrator.signal(task["id"], "approval")
        self.assertIn('waits for signal "deploy"', refused.exception.message)
        failed = self.orchestrator.signal(task["id"], "deploy", "fail", reason="rolled back")
        self.assertEqual(failed["state"], "failed")
        self.assertEqual(self.orchestrator.get_task(task["id"])["error"]["message"], "rolled back")


class Approvals(SignalTestCase):
    def submit_draft_approve_publish(self) -> Dict[str, Any]:
        return self.orchestrator.submit_workflow(
            f"press release {self.tag}",
            [
                {"key": "draft", "name": "Draft it", "type": "draft", "capabilities": [self.tag]},
                {"key": "approval", "name": f"Approve the draft {self.tag}", "depends_on": ["draft"],
                 "waitFor": {"signal": "approval", "timeoutS": 86400}},
                {"key": "publish", "name": "Publish it", "type": "publish", "depends_on": ["approval"],
                 "capabilities": [f"{self.tag}-nobody"]},
            ],
        )

    def test_approvals_lists_the_gate_with_its_upstream_results_and_approve_resolves_it(self) -> None:
        worker = AgentWorker(
            self.server.url, self.server.tokens["agent"], f"drafter-{self.tag}",
            capabilities=[self.tag], wait_s=5,
            handlers={"draft": lambda task, ctx: {"text": "We are pleased to announce…"}},
        )
        self.workers.append(worker)
        head = self.orchestrator.list_events(limit=1)["nextAfterId"]
        submitted = self.submit_draft_approve_publish()
        draft, gate, publish = submitted["tasks"]
        worker.start()
        self.wait_until_waiting(gate["id"], head)

        listed = [item for item in self.viewer.approvals(limit=100)["items"] if item["taskId"] == gate["id"]]
        self.assertEqual(len(listed), 1)
        [item] = listed
        self.assertEqual(item["name"], f"Approve the draft {self.tag}")
        self.assertEqual(item["workflow"]["id"], submitted["workflow"]["id"])
        self.assertIsInstance(item["waitingSince"], datetime)
        self.assertIsInstance(item["timeoutAt"], datetime)
        self.assertEqual(
            [(up["id"], up["key"], up["result"]) for up in item["upstream"]],
            [(draft["id"], "draft", {"text": "We are pleased to announce…"})],
        )
        self.assertGreaterEqual(self.viewer.approval_count(), 1)

        answer = self.operator.approve(gate["id"], comment="  ship it ")
        self.assertEqual(answer["state"], "succeeded")
        self.assertEqual(self.orchestrator.get_task(gate["id"])["result"], {"approved": True, "comment": "ship it"})
        self.assertEqual(self.orchestrator.get_task(publish["id"])["state"], "queued")
        self.assertNotIn(gate["id"], [item["taskId"] for item in self.viewer.approvals(limit=100)["items"]])
        with self.assertRaises(ConflictError):
            self.operator.reject(gate["id"], "too late")

    def test_approve_without_a_comment_and_reject_with_a_reason(self) -> None:
        approved = self.orchestrator.submit_task("approve me", wait_for={"signal": "approval"})["task"]
        self.operator.approve(approved["id"])
        self.assertEqual(self.orchestrator.get_task(approved["id"])["result"], {"approved": True})

        submitted = self.orchestrator.submit_workflow(
            "rejected release",
            [
                {"key": "approval", "name": "Approve", "wait_for": {"signal": "approval"}},
                {"key": "publish", "name": "Publish", "type": "publish", "depends_on": ["approval"],
                 "capabilities": [self.tag]},
            ],
        )
        gate, publish = submitted["tasks"]
        answer = self.operator.reject(gate["id"], "the figures are wrong")
        self.assertEqual(answer["state"], "failed")
        error = self.orchestrator.get_task(gate["id"])["error"]
        self.assertEqual((error["code"], error["message"], error["signal"]),
                         ("signal_failed", "the figures are wrong", "approval"))
        self.assertEqual(self.orchestrator.get_task(publish["id"])["state"], "cancelled")
        self.assertEqual(self.orchestrator.get_workflow_run(submitted["workflow"]["id"])["state"], "failed")


if __name__ == "__main__":
    unittest.main()
