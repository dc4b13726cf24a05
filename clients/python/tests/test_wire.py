"""The parts that need no server: SSE parsing, timestamps, names."""

from __future__ import annotations

import unittest
from datetime import datetime, timedelta, timezone

from task_manager_client._wire import camel, format_timestamp, from_wire, parse_timestamp, to_json
from task_manager_client.client import seed_request, workflow_spec
from task_manager_client.events import SseParser


class SseParsing(unittest.TestCase):
    def test_messages_split_anywhere_across_chunks(self) -> None:
        text = (
            b"event: connected\ndata: {\"reconnectAfterInactivityMs\":30000}\n\n"
            b": a comment\n\nevent: ping\ndata: \n\n"
            b"data: {\"events\":[{\"id\":7}]}\r\nid: 7\r\n\r\n"
            b"retry: 2500\ndata: a\ndata: b\n\n"
        )
        for size in (1, 2, 5, len(text)):
            parser = SseParser()
            messages = []
            for start in range(0, len(text), size):
                messages.extend(parser.feed(text[start : start + size]))
            self.assertEqual(
                [(m.event, m.data, m.id) for m in messages],
                [
                    ("connected", '{"reconnectAfterInactivityMs":30000}', None),
                    ("ping", "", None),
                    ("message", '{"events":[{"id":7}]}', "7"),
                    ("message", "a\nb", None),
                ],
                f"chunks of {size}",
            )
            self.assertEqual(messages[-1].retry, 2500)


class Timestamps(unittest.TestCase):
    def test_iso_timestamps_with_any_offset_and_precision(self) -> None:
        self.assertEqual(
            parse_timestamp("2026-03-08T07:00:00.123Z"),
            datetime(2026, 3, 8, 7, 0, 0, 123000, timezone.utc),
        )
        self.assertEqual(
            parse_timestamp("2026-03-08T09:00:00+02:00"),
            datetime(2026, 3, 8, 7, 0, 0, tzinfo=timezone.utc),
        )
        self.assertEqual(parse_timestamp("2026-03-08T07:00:00.123456789Z").microsecond, 123456)
        self.assertIsNone(parse_timestamp("2026-02-30T00:00:00Z"))
        self.assertIsNone(parse_timestamp("next tuesday"))

    def test_answers_convert_timestamps_but_never_inside_user_json(self) -> None:
        converted = from_wire(
            {"createdAt": "2026-01-01T00:00:00.000Z", "payload": {"dueAt": "2026-01-01T00:00:00.000Z"},
             "fireTimes": ["2026-01-01T00:00:00.000Z"], "name": "2026-01-01T00:00:00.000Z", "pausedAt": None}
        )
        self.assertIsInstance(converted["createdAt"], datetime)
        self.assertIsInstance(converted["fireTimes"][0], datetime)
        self.assertEqual(converted["payload"]["dueAt"], "2026-01-01T00:00:00.000Z")
        self.assertEqual(converted["name"], "2026-01-01T00:00:00.000Z")
        self.assertIsNone(converted["pausedAt"])

    def test_log_lines_and_approvals_times_convert_but_never_their_fields(self) -> None:
        converted = from_wire(
            {"lines": [{"seq": 1, "at": "2026-01-01T00:00:00.000Z",
                        "fields": {"at": "2026-01-01T00:00:00.000Z", "sentAt": "2026-01-01T00:00:00.000Z"}}],
             "items": [{"waitingSince": "2026-01-01T00:00:00.000Z"}], "throughput": [{"at": 1767225600000}]}
        )
        self.assertIsInstance(converted["lines"][0]["at"], datetime)
        self.assertEqual(converted["lines"][0]["fields"]["at"], "2026-01-01T00:00:00.000Z")
        self.assertEqual(converted["lines"][0]["fields"]["sentAt"], "2026-01-01T00:00:00.000Z")
        self.assertIsInstance(converted["items"][0]["waitingSince"], datetime)
        self.assertEqual(converted["throughput"][0]["at"], 1767225600000)

    def test_requests_send_aware_datetimes_as_utc_and_refuse_naive_ones(self) -> None:
        paris = timezone(timedelta(hours=1))
        self.assertEqual(format_timestamp(datetime(2030, 1, 31, 10, tzinfo=paris)), "2030-01-31T09:00:00.000Z")
        with self.assertRaises(ValueError):
            to_json({"runAt": datetime(2030, 1, 31, 9)})
        with self.assertRaises(ValueError):
            to_json({"x": float("nan")})


class Names(unittest.TestCase):
    def test_snake_case_fields_become_the_wire_names(self) -> None:
        self.assertEqual(camel("max_attempts"), "maxAttempts")
        self.assertEqual(camel("dependsOn"), "dependsOn")
        spec = workflow_spec(
            {"name": "w", "idempotency_key": "k", "tasks": [
                {"key": "a", "name": "A", "depends_on": [], "lease_s": 5,
                 "payload": {"keep_me": 1}, "backoff": {"base_s": 1},
                 "wait_for": {"signal": "approval", "timeout_s": 60}}]}
        )
        self.assertEqual(
            spec,
            {"name": "w", "idempotencyKey": "k", "tasks": [
                {"key": "a", "name": "A", "dependsOn": [], "leaseS": 5,
                 "payload": {"keep_me": 1}, "backoff": {"baseS": 1},
                 "waitFor": {"signal": "approval", "timeoutS": 60}}]},
        )
        self.assertEqual(
            seed_request({"type": "execution", "action": "claim", "params": {"agent_id": "x", "wait_ms": 5}}),
            {"type": "execution", "action": "claim", "params": {"agentId": "x", "waitMs": 5}},
        )


if __name__ == "__main__":
    unittest.main()
