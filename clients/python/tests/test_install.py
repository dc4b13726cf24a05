"""`pip install ./clients/python` with no index at all, as on an air-gapped machine."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pip_available() -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0


@unittest.skipUnless(pip_available(), "pip is not installed for this Python")
class OfflineInstall(unittest.TestCase):
    def test_installs_with_no_index_and_ships_py_typed(self) -> None:
        with tempfile.TemporaryDirectory() as target:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                 "--disable-pip-version-check", "--target", target, PACKAGE_DIR],
                check=True,
                env={**os.environ, "PIP_NO_INDEX": "1", "PIP_ROOT_USER_ACTION": "ignore"},
            )
            installed = os.path.join(target, "task_manager_client")
            self.assertTrue(os.path.exists(os.path.join(installed, "py.typed")))
            probe = subprocess.run(
                [sys.executable, "-c", "import task_manager_client as t; print(t.__file__, t.__version__)"],
                cwd=target,
                env={**os.environ, "PYTHONPATH": target},
                capture_output=True,
                text=True,
                check=True,
            )
            self.assertIn(installed, probe.stdout)
            self.assertIn("0.1.0", probe.stdout)


if __name__ == "__main__":
    unittest.main()
