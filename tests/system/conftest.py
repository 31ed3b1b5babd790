"""conftest.py -- pytest fixtures for the mesos-dns system tests.

Fixtures hand out started processes (see harness.py) and end them after the
test.  Tests that need the daemon ask for `mdns_bin` (directly or through
`daemon_factory`/`daemon`); when the binary is missing they are skipped with
one clear message, while the tests of the fake master itself still run.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def pytest_report_header(config):
    path = harness.daemon_binary()
    state = "found" if path.is_file() else "MISSING: daemon tests will be skipped"
    return "mesos-dns binary: %s (%s)" % (path, state)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is not None and rep.failed


@pytest.fixture(scope="session")
def mdns_bin():
    """Path of the daemon under test; skips the test if it is not built."""
    path = harness.daemon_binary()
    if not path.is_file() or not path.stat().st_mode & 0o111:
        pytest.skip("mesos-dns binary not found at %s (build it, or set MDNS_BIN)" % path)
    return path


@pytest.fixture
def master_factory(tmp_path):
    """master_factory(state=None, faults=None, **kw) -> started FakeMaster."""
    started = []

    def make(state=None, faults=None, **kw):
        workdir = tmp_path / ("master%d" % len(started))
        m = harness.FakeMaster(workdir, state=state, faults=faults, **kw)
        started.append(m)
        return m.start()

    yield make
    for m in started:
        m.stop()


@pytest.fixture
def master(master_factory):
    """A fake master serving harness.minimal_state()."""
    return master_factory()


@pytest.fixture
def daemon_factory(request, tmp_path, mdns_bin):
    """daemon_factory(master=..., config=None, refresh_seconds=60, ready=True,
    **kw) -> started Daemon (waited ready unless ready=False)."""
    started = []

    def make(master=None, config=None, refresh_seconds=60, ready=True,
             ready_timeout=10.0, **kw):
        workdir = tmp_path / ("daemon%d" % len(started))
        d = harness.Daemon(workdir, master=master, config=config,
                           refresh_seconds=refresh_seconds, binary=mdns_bin, **kw)
        started.append(d)
        d.start()
        if ready:
            d.wait_ready(ready_timeout)
        return d

    yield make
    for d in started:
        d.stop()
    if _failed(request):
        for i, d in enumerate(started):
            print("---- daemon%d (%s) exit %s ----" % (i, d.workdir, d.returncode))
            print(d.log_text()[-8000:])


@pytest.fixture
def daemon(daemon_factory, master):
    """A ready daemon fed by `master`, refreshing every second."""
    return daemon_factory(master=master, refresh_seconds=1)
