"""The stream's reconnect rules, against a scripted SSE server: the real one cannot be made to
go silent, send a `retry:` hint or replay an event twice on demand."""

from __future__ import annotations

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from task_manager_client import TaskManagerClient

GUARD_S = 30.0


def sse(event: Optional[str] = None, data: str = "", id: Optional[str] = None, retry: Optional[int] = None) -> bytes:
    lines = []
    if event:
        lines.append(f"event: {event}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.append(f"data: {data}")
    if id is not None:
        lines.append(f"id: {id}")
    return ("\n".join(lines) + "\n\n").encode()


def batch(*ids: int) -> bytes:
    events = [{"id": i, "kind": "task.submitted", "taskId": f"t{i}", "createdAt": "2026-01-01T00:00:00.000Z"}
              for i in ids]
    return sse(data=json.dumps({"events": events}), id=str(ids[-1]))


class ScriptedServer:
    """Answers the n-th events.stream request with the n-th scripted behaviour."""

    def __init__(self, script: List[Any]) -> None:
        self.requests: List[Dict[str, Optional[str]]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.requests.append(
                    {"path": self.path, "last-event-id": self.headers.get("last-event-id")}
                )
                step = script[min(len(outer.requests), len(script)) - 1]
                step(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def stream_then(server_release: threading.Event, *chunks: bytes, hang: bool = False):
    def step(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        for chunk in chunks:
            handler.wfile.write(chunk)
            handler.wfile.flush()
        if hang:  # silent, not even a ping, until the test ends
            server_release.wait(GUARD_S)

    return step


def unavailable(handler: BaseHTTPRequestHandler) -> None:
    body = json.dumps(
        {"error": {"message": "the database is unavailable; retry shortly", "code": -32603,
                   "data": {"code": "SERVICE_UNAVAILABLE", "httpStatus": 503}}}
    ).encode()
    handler.send_response(503)
    handler.send_header("retry-after", "0")
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    handler.send_header("connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


class ReconnectRules(unittest.TestCase):
    def test_silence_a_503_and_a_retry_hint_each_lead_to_a_resume_from_the_last_id(self) -> None:
        release = threading.Event()
        connected = sse("connected", json.dumps({"reconnectAfterInactivityMs": 200}))
        server = ScriptedServer(
            [
                # Two events, then silence past reconnectAfterInactivityMs.
                stream_then(release, connected, batch(4, 5), hang=True),
                unavailable,
                # A `retry:` hint, an overlapping replay (5 again), then the end of the stream.
                stream_then(release, connected, sse("ping"), sse(retry=50, data=""), batch(5, 6)),
                stream_then(release, connected, batch(7), hang=True),
            ]
        )
        reasons: List[str] = []
        client = TaskManagerClient(server.url, "tm_test")
        stream = client.events(
            kinds=["task."], last_event_id="3",
            on_reconnect=lambda last_id, reason: reasons.append(type(reason).__name__),
        )
        try:
            ids = [stream.get(GUARD_S)["id"] for _ in range(4)]  # type: ignore[index]
        finally:
            stream.close()
            server.close()

        self.assertEqual(ids, [4, 5, 6, 7])
        self.assertEqual(
            [request["last-event-id"] for request in server.requests[:4]], ["3", "5", "5", "6"]
        )
        self.assertEqual(reasons[:3], ["ServerUnreachableError", "UnavailableError", "ServerUnreachableError"])
        self.assertIn("events.stream", server.requests[0]["path"] or "")
        self.assertEqual(stream.last_event_id, "7")


if __name__ == "__main__":
    unittest.main()
