"""Every exception class the server's answers produce, from real answers."""

from __future__ import annotations

import socket
import threading
import unittest
import uuid

from task_manager_client import (
    ERROR_CLASSES,
    AgentClient,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    MethodNotSupportedError,
    NotFoundError,
    PayloadTooLargeError,
    ServerUnreachableError,
    TaskManagerClient,
    TaskManagerError,
    UnauthorizedError,
    UnavailableError,
    UnsupportedMediaTypeError,
)
from task_manager_client._transport import answer

from . import fixture

GUARD_S = 120.0


def setUpModule() -> None:
    fixture.server()


class ErrorClasses(unittest.TestCase):
    def setUp(self) -> None:
        self.server = fixture.server()
        self.orchestrator = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"])

    def tearDown(self) -> None:
        self.orchestrator.close()

    def test_bad_request_carries_the_server_message_and_the_field_messages(self) -> None:
        with self.assertRaises(BadRequestError) as refused:
            self.orchestrator.submit_task("", priority=10_000_000)
        error = refused.exception
        self.assertEqual((error.code, error.http_status, error.procedure), ("BAD_REQUEST", 400, "tasks.submit"))
        self.assertEqual(set(error.field_errors), {"name", "priority"})
        self.assertIn('"priority"', error.message)
        self.assertIn("priority:", str(error))

    def test_unauthorized_without_a_valid_token(self) -> None:
        with self.assertRaises(UnauthorizedError) as refused:
            TaskManagerClient(self.server.url, "tm_not_a_token").list_tasks()
        self.assertEqual(refused.exception.message, "a valid token or session is required")
        self.assertEqual(refused.exception.http_status, 401)

    def test_forbidden_for_a_role_that_may_not(self) -> None:
        viewer = TaskManagerClient(self.server.url, self.server.tokens["viewer"])
        with self.assertRaises(ForbiddenError) as refused:
            viewer.submit_task("not allowed")
        self.assertIn("role viewer may not do this", refused.exception.message)

    def test_not_found_for_an_unknown_task_and_an_unknown_procedure(self) -> None:
        missing = str(uuid.uuid4())
        with self.assertRaises(NotFoundError) as refused:
            self.orchestrator.get_task(missing)
        self.assertEqual(refused.exception.message, f"task {missing} not found")
        with self.assertRaises(NotFoundError):
            self.orchestrator.query("tasks.nothingLikeThis", {})

    def test_method_not_supported_for_a_mutation_sent_as_a_query(self) -> None:
        with self.assertRaises(MethodNotSupportedError) as refused:
            self.orchestrator.query("tasks.submit", {"name": "x"})
        self.assertEqual(refused.exception.http_status, 405)

    def test_conflict_for_an_operation_the_state_forbids(self) -> None:
        tag = fixture.tag()
        run = self.orchestrator.submit_workflow("done soon", [{"key": "a", "name": "A", "capabilities": [tag]}])
        self.orchestrator.cancel_workflow(run["workflow"]["id"])
        with self.assertRaises(ConflictError) as refused:
            self.orchestrator.pause_workflow(run["workflow"]["id"])
        self.assertIn("cannot pause workflow", refused.exception.message)

    def test_unsupported_media_type_for_a_body_that_is_not_json(self) -> None:
        transport = self.orchestrator._transport
        status, headers, body = transport.send(
            "POST", transport.target("tasks.submit"), b'{"name":"x"}', {"content-type": "text/plain"}
        )
        with self.assertRaises(UnsupportedMediaTypeError) as refused:
            answer("tasks.submit", status, headers, body)
        self.assertEqual(refused.exception.http_status, 415)

    def test_payload_too_large_beyond_the_request_limit(self) -> None:
        # The test server's limits.request_bytes is 1 MiB (tests/server.ts).
        with self.assertRaises(PayloadTooLargeError) as refused:
            self.orchestrator.submit_task("big", payload={"blob": "x" * (1100 * 1024)})
        self.assertIn("request_bytes", refused.exception.message)

    def test_server_unreachable_when_nothing_listens(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = TaskManagerClient(f"http://127.0.0.1:{port}", "tm_x", retry_unavailable_s=0)
        with self.assertRaises(ServerUnreachableError) as refused:
            client.list_tasks()
        self.assertTrue(refused.exception.transient)

    def test_unavailable_while_the_database_is_down_then_retried_until_it_is_back(self) -> None:
        no_retry = TaskManagerClient(self.server.url, self.server.tokens["orchestrator"], retry_unavailable_s=0)
        retried = threading.Event()
        outcome = {}
        patient = TaskManagerClient(
            self.server.url,
            self.server.tokens["orchestrator"],
            retry_unavailable_s=GUARD_S,
            on_retry=lambda error, pause: (outcome.setdefault("first", error), retried.set()),
        )
        self.server.command("stop-db")
        try:
            with self.assertRaises(UnavailableError) as refused:
                no_retry.list_tasks(limit=1)
            error = refused.exception
            self.assertEqual((error.http_status, error.retry_after), (503, 1.0))
            self.assertEqual(error.message, "the database is unavailable; retry shortly")

            def call() -> None:
                try:
                    outcome["page"] = patient.submit_task("after the outage")
                except TaskManagerError as failure:
                    outcome["error"] = failure

            caller = threading.Thread(target=call)
            caller.start()
            self.assertTrue(retried.wait(GUARD_S))
        finally:
            self.server.command("start-db")
        caller.join(GUARD_S)
        self.assertNotIn("error", outcome)
        self.assertIsInstance(outcome["first"], UnavailableError)
        self.assertTrue(outcome["page"]["created"])
        self.orchestrator.cancel_task(outcome["page"]["task"]["id"])

    def test_a_lease_refusal_inside_a_batch_maps_to_its_class(self) -> None:
        agent = AgentClient(self.server.url, self.server.tokens["agent"])
        agent_id = agent.register(f"batch-{fixture.tag()}")["id"]
        with self.assertRaises(NotFoundError):
            agent.complete(agent_id, str(uuid.uuid4()), 1)
        agent.close()

    def test_every_code_has_its_class_and_a_500_keeps_its_error_id(self) -> None:
        # No request makes this server fail with a 500 on purpose; its answer's shape is this.
        body = (
            b'{"error":{"message":"internal error; the server log has the detail under errorId",'
            b'"code":-32603,"data":{"code":"INTERNAL_SERVER_ERROR","httpStatus":500,"errorId":"e-1"}}}'
        )
        with self.assertRaises(InternalServerError) as failed:
            answer("tasks.list", 500, {}, body)
        self.assertEqual(failed.exception.error_id, "e-1")
        self.assertTrue(failed.exception.transient)
        self.assertEqual(len(ERROR_CLASSES), 21)
        for code, cls in ERROR_CLASSES.items():
            self.assertEqual(cls.code, code)
            self.assertTrue(issubclass(cls, TaskManagerError))


if __name__ == "__main__":
    unittest.main()
