"""The event stream: resume by id, close, and a server restart with no event missed."""

from __future__ import annotations

import threading
import unittest
from typing import Any, Dict, List, Optional

from task_manager_client import EventStream, TaskManagerClient, UnauthorizedError

from . import fixture

GUARD_S = 60.0


def setUpModule() -> None:
    fixture.server()


def take(stream: EventStream, count: int) -> List[Dict[str, Any]]:
    events = []
    while len(events) < count:
        event = stream.get(GUARD_S)
        if event is None:
            raise AssertionError(f"only {len(events)} of {count} events arrived")
        events.append(event)
    return events


class EventStreamTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.tag = fixture.tag()
        self.orchestrator = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"])
        self.viewer = TaskManagerClient(self.server.url, self.server.tokens["viewer"])

    def tearDown(self) -> None:
        self.orchestrator.close()
        self.viewer.close()

    def submit(self, count: int) -> List[str]:
        return [
            self.orchestrator.submit_task(f"{self.tag} {i}", capabilities=[self.tag])["task"]["id"]
            for i in range(count)
        ]

    def logged_ids(self, after_id: int, up_to: int, task_ids: List[str]) -> List[int]:
        """The ids the event log holds for these tasks: what a stream must have yielded."""
        ids: List[int] = []
        while True:
            page = self.viewer.list_events(kinds=["task.submitted"], after_id=after_id, limit=1000)
            ids.extend(
                event["id"] for event in page["items"]
                if event["id"] <= up_to and event["taskId"] in task_ids
            )
            if not page["items"] or page["items"][-1]["id"] >= up_to:
                return ids
            after_id = page["nextAfterId"]

    def test_events_from_now_then_resumed_by_id_in_a_new_stream(self) -> None:
        with self.viewer.events(kinds=["task.submitted"]) as stream:
            self.assertTrue(stream.wait_connected(GUARD_S))
            ids = self.submit(3)
            first = take(stream, 3)
            self.assertEqual([e["taskId"] for e in first], ids)
            self.assertEqual([e["kind"] for e in first], ["task.submitted"] * 3)
            self.assertIsNotNone(first[0]["createdAt"].tzinfo)
            resume_at = stream.last_event_id
        more = self.submit(2)
        with self.viewer.events(kinds=["task.submitted"], last_event_id=resume_at) as resumed:
            self.assertEqual([e["taskId"] for e in take(resumed, 2)], more)

    def test_close_from_another_thread_ends_the_iteration(self) -> None:
        stream = self.viewer.events(kinds=["task.submitted"], task_id="00000000-0000-4000-8000-000000000000")
        self.assertTrue(stream.wait_connected(GUARD_S))
        received: List[Any] = []
        reader = threading.Thread(target=lambda: received.extend(stream))
        reader.start()
        stream.close()
        reader.join(GUARD_S)
        self.assertFalse(reader.is_alive())
        self.assertEqual(received, [])

    def test_a_revoked_token_ends_the_stream_with_unauthorized(self) -> None:
        admin = TaskManagerClient(self.server.url, self.server.tokens["admin"])
        created = admin.mutate("tokens.create", {"name": f"wall {self.tag}", "role": "viewer"})
        stream = TaskManagerClient(self.server.url, created["secret"]).events(kinds=["task."])
        self.assertTrue(stream.wait_connected(GUARD_S))
        admin.mutate("tokens.revoke", {"id": created["token"]["id"]})
        with self.assertRaises(UnauthorizedError):
            stream.get(GUARD_S)
        stream.close()

    def test_a_server_restart_is_survived_with_no_event_missed_or_repeated(self) -> None:
        gate = threading.Event()
        reasons: List[BaseException] = []

        def before_reconnect(last_id: Optional[str], reason: BaseException) -> None:
            reasons.append(reason)
            # Hold the reconnect until events were made meanwhile: they must be replayed.
            gate.wait(GUARD_S * 5)

        head = self.viewer.list_events(kinds=["task.submitted"], limit=1)["nextAfterId"]
        stream = self.viewer.events(
            kinds=["task.submitted"], last_event_id=str(head), on_reconnect=before_reconnect
        )
        try:
            before = self.submit(3)
            first = take(stream, 3)
            self.assertEqual([e["taskId"] for e in first], before)

            self.server.command("restart-server")
            during = self.submit(4)  # made while the stream is away
            gate.set()
            after_ids = self.submit(2)
            events = take(stream, 6)
        finally:
            stream.close()

        self.assertEqual([e["taskId"] for e in events], during + after_ids)
        self.assertGreaterEqual(len(reasons), 1)
        self.assertGreaterEqual(stream.reconnects, 1)
        seen = [int(e["id"]) for e in first + events]
        self.assertEqual(seen, sorted(set(seen)))
        # Every id the log holds for these tasks arrived, once, in order.
        self.assertEqual(self.logged_ids(head, seen[-1], before + during + after_ids), seen)


if __name__ == "__main__":
    unittest.main()
