"""One real server for the whole test run, started by tests/server.ts on its own database.

The first test that asks for it starts it; it stops when the test process exits (and, should
this process die, when the helper sees its stdin close).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
import uuid
from typing import Any, Dict, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
# The first start may run `next build` on a machine shared with others.
START_TIMEOUT_S = 1200.0
COMMAND_TIMEOUT_S = 600.0


class ServerFixture:
    """The helper process: ``url``, ``tokens`` by role, and commands that restart things."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["node", "--import", "tsx", os.path.join(HERE, "server.ts")],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        line = self._read_line(START_TIMEOUT_S)
        info = json.loads(line)
        self.url: str = info["url"]
        self.tokens: Dict[str, str] = info["tokens"]

    def _read_line(self, timeout_s: float) -> str:
        result: Dict[str, Any] = {}

        def read() -> None:
            assert self._process.stdout is not None
            result["line"] = self._process.stdout.readline()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout_s)
        line = result.get("line")
        if not line:
            code = self._process.poll()
            raise RuntimeError(f"the test server helper gave no answer (exit code {code})")
        return line.strip()

    def command(self, command: str) -> None:
        """``restart-server``, ``stop-db`` or ``start-db``; returns once done."""
        with self._lock:
            assert self._process.stdin is not None
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
            line = self._read_line(COMMAND_TIMEOUT_S)
        if line != f"ok {command}":
            raise RuntimeError(f"helper: {line}")

    def close(self) -> None:
        if self._process.poll() is not None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(120)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait(30)


_server: Optional[ServerFixture] = None
_server_lock = threading.Lock()


def server() -> ServerFixture:
    """The run's server, started on first use."""
    global _server
    with _server_lock:
        if _server is None:
            _server = ServerFixture()
            atexit.register(_server.close)
        return _server


def tag() -> str:
    """A capability of one test's own: its tasks need it, only its agents have it, so a task
    another test left queued is never claimed here."""
    return f"py-{uuid.uuid4().hex[:12]}"
