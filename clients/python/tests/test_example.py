"""examples/python/pipeline.py, run as its README says, against the test server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import unittest

from . import fixture


class ExamplePipeline(unittest.TestCase):
    def test_the_research_pipeline_runs_through_its_approval_to_publish(self) -> None:
        server = fixture.server()
        script = os.path.join(fixture.REPO_ROOT, "examples", "python", "pipeline.py")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(
            [sys.executable, script, "--url", server.url, "--token", server.tokens["admin"], "--approve"],
            cwd=fixture.REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("run succeeded", done.stdout)
        self.assertIn("https://reports.example.org/report-on-mycelium-networks", done.stdout)
        self.assertIn("publish", done.stdout)
        self.assertRegex(done.stdout, r"approve +blocked → waiting")
        self.assertIn("approved by --approve", done.stdout)

    def test_the_approval_it_waits_for_is_given_with_the_command_it_prints(self) -> None:
        server = fixture.server()
        script = os.path.join(fixture.REPO_ROOT, "examples", "python", "pipeline.py")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        token = server.tokens["admin"]
        pipeline = subprocess.Popen(
            [sys.executable, script, "--url", server.url, "--token", token, "--topic", "lichen"],
            cwd=fixture.REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Guards the blocking reads below: a hung pipeline is killed, its output then ends.
        watchdog = threading.Timer(300, pipeline.kill)
        watchdog.start()
        try:
            assert pipeline.stdout is not None
            seen = []
            for line in pipeline.stdout:
                seen.append(line)
                if "--approve-task" in line:
                    break
            command = seen[-1].split()
            self.assertIn("--approve-task", command, "".join(seen))
            task_id = command[command.index("--approve-task") + 1]
            approved = subprocess.run(
                [sys.executable, script, "--url", server.url, "--token", token, "--approve-task", task_id],
                cwd=fixture.REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(approved.stdout.strip(), "succeeded", approved.stderr)
            rest = pipeline.stdout.read()
            self.assertEqual(pipeline.wait(), 0, "".join(seen) + rest)
        finally:
            watchdog.cancel()
            if pipeline.poll() is None:
                pipeline.kill()
                pipeline.wait()
            pipeline.stdout.close()  # type: ignore[union-attr]
        self.assertIn("approved from the command line", rest)
        self.assertIn("run succeeded", rest)
        self.assertIn("https://reports.example.org/report-on-lichen", rest)


if __name__ == "__main__":
    unittest.main()
