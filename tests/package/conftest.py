"""conftest.py -- fixtures for the packaging tests (tests/package).

These tests check what ships rather than what the daemon computes: the
systemd unit, the Debian package and the Marathon app.  They reuse the
system tests' harness (fake master, daemon, DNS probes).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "system"))

import harness  # noqa: E402

REPO = harness.REPO


@pytest.fixture(scope="session")
def mdns_bin():
    """Path of the built daemon; skips the test if it is not built."""
    path = harness.daemon_binary()
    if not path.is_file() or not path.stat().st_mode & 0o111:
        pytest.skip("mesos-dns binary not found at %s (build it, or set MDNS_BIN)" % path)
    return path


@pytest.fixture
def master_factory(tmp_path):
    """master_factory(state=None, **kw) -> started FakeMaster, stopped after."""
    started = []

    def make(state=None, **kw):
        m = harness.FakeMaster(tmp_path / ("master%d" % len(started)), state=state, **kw)
        started.append(m)
        return m.start()

    yield make
    for m in started:
        m.stop()
