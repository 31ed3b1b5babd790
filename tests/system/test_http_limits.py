"""test_http_limits.py -- the HTTP API holds its memory and connections
bounded whatever clients do (issue 11).

/v1/axfr and /v1/enumerate are streamed from the snapshot: slow readers
cost a small buffer each, not a whole document.  Beyond
EnumerationMaxConcurrent an enumeration gets 503 with Retry-After; a body
older than EnumerationLifetimeSeconds is cut; a client address holds at
most HTTPMaxConnectionsPerIP connections.  The 20,000-task state comes
from ../shared/tools/gen_state.py.
"""

import json
import socket
import subprocess
import time

import pytest

import harness

GEN_STATE = harness.REPO.parent / "shared" / "tools" / "gen_state.py"
needs_gen = pytest.mark.skipif(not GEN_STATE.is_file(),
                               reason="state generator not found at %s" % GEN_STATE)


@pytest.fixture(scope="module")
def state20k(tmp_path_factory):
    path = tmp_path_factory.mktemp("state") / "state20k.json"
    subprocess.run([harness.PYTHON, str(GEN_STATE), "--seed", "11", "--tasks", "20000",
                    "--frameworks", "40", "--agents", "400", "-o", str(path)], check=True)
    return path


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS for %d" % pid)


def slow_client(d, path, rcvbuf=4096):
    """A connection that asked for path and reads only when told to."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((d.http_host, d.http_port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    return s


def read_head(s):
    """Status line and headers of a response (bytes up to the blank line)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def probe_name(d):
    """A task name of the zone that DNS can carry, to probe with."""
    import dns.name
    for name in d.axfr()["Records"]["As"]:
        try:
            dns.name.from_text(name)
        except Exception:
            continue
        if name.endswith(".marathon.mesos.") or ".mesos." in name:
            return name
    raise AssertionError("no name to probe")


def start(daemon_factory, master, **config):
    base = {"EventsOn": False}
    base.update(config)
    return daemon_factory(master=master, config=base, ready_timeout=120)


@needs_gen
def test_slow_readers_hold_little_memory_and_dns_answers(state20k, master_factory,
                                                         daemon_factory):
    m = master_factory(state=state20k)
    d = start(daemon_factory, m, EnumerationMaxConcurrent=100,
              HTTPMaxConnectionsPerIP=128)
    name = probe_name(d)
    time.sleep(1)
    idle = rss_mib(d.pid)
    clients = [slow_client(d, p) for p in ["/v1/axfr"] * 40 + ["/v1/enumerate"] * 40]
    peak, probes = idle, 0
    try:
        for s in clients:
            head = read_head(s)
            peak = max(peak, rss_mib(d.pid))
            assert head.startswith("HTTP/1.1 200"), "RSS %.1f MiB, got %r" % (peak, head)
        end = time.monotonic() + 24
        while time.monotonic() < end:
            for s in clients:
                assert s.recv(64), "a slow reader was cut"
            for _ in range(4):
                r = d.dns(name, timeout=2.0)
                assert r.answer, "no answer for %s while readers hold on" % name
                probes += 1
                peak = max(peak, rss_mib(d.pid))
                time.sleep(0.5)
    finally:
        for s in clients:
            s.close()
    print("RSS idle %.1f MiB, peak with 80 slow readers %.1f MiB, %d DNS probes"
          % (idle, peak, probes))
    assert peak - idle <= 200, "RSS grew from %.1f to %.1f MiB" % (idle, peak)
    assert d.returncode is None


@needs_gen
def test_over_the_concurrency_limit_gets_503_retry_after(state20k, master_factory,
                                                         daemon_factory):
    m = master_factory(state=state20k)
    d = start(daemon_factory, m, EnumerationMaxConcurrent=2)
    held = [slow_client(d, "/v1/axfr"), slow_client(d, "/v1/enumerate")]
    try:
        for s in held:
            assert read_head(s).startswith("HTTP/1.1 200")
        for path in ("/v1/axfr", "/v1/enumerate"):
            status, headers, body = d.get(path)
            assert status == 503
            assert headers.get("Retry-After") == "5"
            assert body == b"503: Service Unavailable"
        # other routes are not limited
        assert d.get("/v1/version")[0] == 200
    finally:
        for s in held:
            s.close()
    # the slots come back once the readers are gone
    harness.wait_until(lambda: d.get("/v1/version")[0] == 200 and
                       d.get("/v1/enumerate", timeout=60)[0] == 200, timeout=30)
    assert d.get_json("/v1/config")[1]["EnumerationMaxConcurrent"] == 2


@needs_gen
def test_reader_is_cut_after_the_lifetime(state20k, master_factory, daemon_factory):
    m = master_factory(state=state20k)
    d = start(daemon_factory, m, EnumerationLifetimeSeconds=2)
    _, _, whole = d.get("/v1/axfr", timeout=60)
    s = slow_client(d, "/v1/axfr")
    t0 = time.monotonic()
    try:
        assert read_head(s).startswith("HTTP/1.1 200")
        time.sleep(3)
        got = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        took = time.monotonic() - t0
    except ConnectionResetError:
        took = time.monotonic() - t0
        got = 0
    finally:
        s.close()
    assert got < len(whole), "the whole document came through"
    assert took < 30, "connection closed only after %.1f s" % took
    # the daemon goes on serving, and the slot was given back
    assert d.get("/v1/version")[0] == 200


@needs_gen
def test_reader_of_an_old_generation_is_cut(state20k, master_factory, daemon_factory):
    m = master_factory(state=state20k)
    d = start(daemon_factory, m)
    s = slow_client(d, "/v1/enumerate")
    state = json.loads(state20k.read_text())
    try:
        assert read_head(s).startswith("HTTP/1.1 200")
        assert s.recv(64)
        for gen in range(2):
            # two new full builds: the reader's is older than the previous one
            state["frameworks"][0]["tasks"] = state["frameworks"][0]["tasks"][1:]
            m.set_state(state)
            serial = d.axfr()
            d.proc.send_signal(harness.signal.SIGHUP)
            harness.wait_until(lambda: d.axfr() != serial, timeout=60)
        s.settimeout(20)
        end = time.monotonic() + 20
        closed = False
        while time.monotonic() < end and not closed:
            try:
                closed = not s.recv(65536)
            except ConnectionResetError:
                closed = True
        assert closed, "reader of an old generation still served"
    finally:
        s.close()


def test_connections_per_client_address_are_limited(master_factory, daemon_factory):
    m = master_factory()
    d = start(daemon_factory, m, HTTPMaxConnectionsPerIP=3)
    idle = []
    try:
        for _ in range(3):
            # each answered once (so accepted), then kept open idle
            s = socket.create_connection((d.http_host, d.http_port), timeout=10)
            idle.append(s)
            s.sendall(b"GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_head(s).startswith("HTTP/1.1 200")
        extra = socket.create_connection((d.http_host, d.http_port), timeout=5)
        try:
            extra.sendall(b"GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                refused = extra.recv(100) == b""
            except ConnectionResetError:
                refused = True
            assert refused, "a 4th connection from one address was served"
        finally:
            extra.close()
    finally:
        for s in idle:
            s.close()

    def served():
        try:
            return d.get("/v1/version")[0] == 200
        except OSError:
            return False
    harness.wait_until(served, timeout=10)
