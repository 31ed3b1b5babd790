"""conftest.py -- fixtures for the packaging tests (tests/package).

These tests check what ships rather than what the daemon computes: the
systemd unit, the Debian package and the Marathon app.  They reuse the
system tests' harness and its fixtures for the daemon binary and the fake
master (tests/system/conftest.py), loaded here under another module name.
"""

import importlib.util
import sys
from pathlib import Path

SYSTEM = Path(__file__).resolve().parents[1] / "system"
sys.path.insert(0, str(SYSTEM))

import harness  # noqa: E402

_spec = importlib.util.spec_from_file_location("system_conftest",
                                               SYSTEM / "conftest.py")
_system = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_system)

REPO = harness.REPO
mdns_bin = _system.mdns_bin
master_factory = _system.master_factory
