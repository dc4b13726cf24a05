"""examples/python/pipeline.py, run as its README says, against the test server."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

from . import fixture


class ExamplePipeline(unittest.TestCase):
    def test_the_research_pipeline_runs_to_publish(self) -> None:
        server = fixture.server()
        script = os.path.join(fixture.REPO_ROOT, "examples", "python", "pipeline.py")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(
            [sys.executable, script, "--url", server.url, "--token", server.tokens["admin"]],
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


if __name__ == "__main__":
    unittest.main()
