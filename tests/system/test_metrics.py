"""test_metrics.py -- GET /metrics, /healthz and /readyz as an operator sees
them: a real Prometheus (Debian's) scrapes the daemon every second,
promtool checks the text, and the counters move by exactly the traffic
this test sends.
"""

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

import harness

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def scrape(d):
    status, headers, body = d.get("/metrics")
    assert status == 200, body[:300]
    assert headers.get("Content-Type").startswith("text/plain; version=0.0.4")
    return body.decode()


def samples(text):
    """{series text (name and labels): value} of a scrape."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            out[series] = float(value)
    return out


def total(text, name):
    """The sum of every series of the family name."""
    return sum(v for k, v in samples(text).items()
               if k == name or k.startswith(name + "{"))


def send_queries(d, names):
    """One UDP query per name, each answered; returns the rcodes seen."""
    seen = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        for name in names:
            q = dns.message.make_query(name, "A")
            r = dns.query.udp(q, d.host, port=d.port, timeout=2.0, sock=s)
            seen[r.rcode()] = seen.get(r.rcode(), 0) + 1
    return seen


class Prometheus:
    """Debian's Prometheus on loopback, scraping one target every second,
    with its storage in a temporary directory; ended by its PID."""

    def __init__(self, target):
        self.dir = Path(tempfile.mkdtemp(prefix="mdns-prom-"))
        self.port = harness.free_port()
        (self.dir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: mesos-dns\n"
            "    static_configs:\n      - targets: ['%s']\n" % target)
        self.log = open(self.dir / "log.txt", "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=%s" % (self.dir / "prometheus.yml"),
             "--storage.tsdb.path=%s" % (self.dir / "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def query(self, expr):
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (
            self.port, urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=2.0) as r:
            doc = json.load(r)
        assert doc["status"] == "success", doc
        return doc["data"]["result"]

    def value(self, expr):
        """The value of an instant vector with one element, or None."""
        try:
            res = self.query(expr)
        except OSError:
            return None
        return float(res[0]["value"][1]) if len(res) == 1 else None

    def stop(self):
        harness._stop_process(self.proc)
        self.log.close()

    def log_text(self):
        return (self.dir / "log.txt").read_text(errors="replace")


@pytest.fixture
def prometheus_factory():
    if not Path(PROMETHEUS).exists():
        pytest.skip("Debian's prometheus is not installed (scripts/deps.sh)")
    started = []

    def make(target):
        p = Prometheus(target)
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()
        shutil.rmtree(p.dir, ignore_errors=True)


def test_prometheus_scrapes_and_counters_move_by_the_traffic(
        master, daemon_factory, prometheus_factory):
    d = daemon_factory(master=master)
    prom = prometheus_factory("127.0.0.1:%d" % d.http_port)
    before = scrape(d)

    seen = send_queries(d, ["leader.mesos."] * 1000 +
                        ["missing-%d.mesos." % i for i in range(200)])
    assert seen == {dns.rcode.NOERROR: 1000, dns.rcode.NXDOMAIN: 200}

    after = scrape(d)
    req = "mesos_dns_dns_requests_total"
    assert total(after, req) - total(before, req) == 1200
    nx = 'mesos_dns_dns_responses_total{rcode="NXDOMAIN"}'
    assert samples(after)[nx] - samples(before)[nx] == 200
    ok = 'mesos_dns_dns_responses_total{rcode="NOERROR"}'
    assert samples(after)[ok] - samples(before)[ok] == 1000
    a = 'mesos_dns_dns_requests_total{proto="udp",type="A"}'
    assert samples(after)[a] - samples(before)[a] == 1200
    # Every answer of ours was timed.
    dur = 'mesos_dns_dns_request_duration_seconds_count{path="authoritative"}'
    harness.wait_until(lambda: samples(scrape(d))[dur] - samples(before)[dur] == 1200,
                       5.0, message="1200 authoritative durations")

    # Prometheus itself: the target is up and it sees the queries.
    try:
        harness.wait_until(lambda: prom.value('up{job="mesos-dns"}') == 1.0, 60.0,
                           0.5, "Prometheus to scrape mesos-dns (up == 1)")
        harness.wait_until(
            lambda: (prom.value('sum(mesos_dns_dns_requests_total{job="mesos-dns"})')
                     or 0) >= 1200, 30.0, 0.5, "Prometheus to see the queries")
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, prom.log_text()[-3000:])) from None


def test_promtool_accepts_the_scrape_silently(master, daemon_factory, tmp_path):
    if not Path(PROMTOOL).exists():
        pytest.skip("Debian's prometheus (promtool) is not installed")
    # Forwarding on, to an upstream that refuses: per-upstream series too.
    dead = harness.free_port()
    d = daemon_factory(master=master, config={
        "externalon": True, "resolvers": ["127.0.0.1:%d" % dead], "timeout": 1})
    send_queries(d, ["leader.mesos.", "missing.mesos."])
    d.dns("leader.mesos.", tcp=True)
    try:
        d.dns("example.org.", timeout=3.0)
    except dns.exception.Timeout:
        pass
    text = scrape(d)
    assert 'mesos_dns_forward_requests_total{upstream="127.0.0.1:%d"}' % dead in text
    for family in ("mesos_dns_build_info", "mesos_dns_records",
                   "mesos_dns_snapshot_serial", "mesos_dns_refreshes_total",
                   "mesos_dns_refresh_last_success_timestamp_seconds",
                   "mesos_dns_event_stream_up", "mesos_dns_leader_changes_total",
                   "mesos_dns_zookeeper_session_state",
                   "process_resident_memory_bytes", "process_cpu_seconds_total",
                   "process_open_fds", "process_start_time_seconds"):
        assert "\n# TYPE %s " % family in text, family
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")


def test_readyz_is_503_while_the_master_never_answers(daemon_factory):
    # A master that accepts connections and never says a word.
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        d = daemon_factory(master="127.0.0.1:%d" % silent.getsockname()[1],
                           ready=False)

        def healthz():
            try:
                return d.get("/healthz", timeout=1.0)
            except OSError:
                return None
        status, _, body = harness.wait_until(healthz, 10.0)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        status, headers, body = d.get("/readyz")
        assert status == 503
        assert headers.get("Content-Type") == "application/json"
        assert json.loads(body) == {"status": "not ready",
                                    "reason": "no records loaded yet"}
        # The original's API paths say why they have nothing yet.
        status, _, body = d.get("/v1/version")
        assert status == 503 and json.loads(body)["reason"] == "no records loaded yet"
        # Metrics answer before the first load.
        assert samples(scrape(d))["mesos_dns_snapshot_age_seconds"] == -1
        assert d.returncode is None
    finally:
        silent.close()


def test_readyz_and_healthz_are_200_after_a_load(master, daemon_factory):
    d = daemon_factory(master=master)
    for path in ("/readyz", "/healthz"):
        status, headers, body = d.get(path)
        assert (status, json.loads(body)) == (200, {"status": "ok"}), path
    assert d.get("/v1/version")[0] == 200
    assert d.get("/metrics", method="POST")[0] == 405
    text = scrape(d)
    assert samples(text)['mesos_dns_refreshes_total{result="ok"}'] >= 1
    assert samples(text)["mesos_dns_refresh_last_success_timestamp_seconds"] > \
        time.time() - 60


def test_event_stream_series(tmp_path, daemon_factory):
    # The event stream's series, with the shared fake master's operator API.
    import test_events as ev
    if not ev.SHARED_FAKE.is_file():
        pytest.skip("shared fake master not found at %s" % ev.SHARED_FAKE)
    c = ev.Cluster()
    m = ev.V1Master(tmp_path / "v1master", c.state).start()
    try:
        d = ev.start_daemon(daemon_factory, m)
        before = samples(scrape(d))
        assert before["mesos_dns_event_stream_up"] == 1
        c.add_task("ev1.1", "ev1", ip="10.60.0.1")
        m.set_state(c.state)
        ev.wait_answer(d, "ev1.marathon.mesos.", {"10.60.0.1"}, timeout=5.0)
        after = samples(scrape(d))
        assert after["mesos_dns_events_applied_total"] > \
            before["mesos_dns_events_applied_total"]
        # The task's records went out after its event arrived, within the
        # 5 s waited above.
        assert 0 < after["mesos_dns_event_lag_seconds"] < 5
        m.stop()
        harness.wait_until(
            lambda: samples(scrape(d))["mesos_dns_event_stream_up"] == 0, 20.0,
            message="the stream to be reported down")
    finally:
        m.stop()


def test_zookeeper_and_leader_series(tmp_path, master_factory, daemon_factory):
    # A ZooKeeper of this test alone: session state and leader changes.
    import zkserver
    from harness import start_tagged_master, wait_serves
    why = zkserver.available()
    if why:
        pytest.skip(why)
    server = zkserver.ZkServer(tmp_path / "zk")
    server.start()
    kz = zkserver.kazoo_client(server.address)
    try:
        mesos = zkserver.MesosZk(kz, "/mesos")
        old = start_tagged_master(master_factory, "127.0.0.2", "oldleader")
        new = start_tagged_master(master_factory, "127.0.0.3", "newleader")
        node = mesos.register(old.host, old.port)
        mesos.register(new.host, new.port)
        d = daemon_factory(config={"zk": "zk://%s/mesos" % server.address,
                                   "stateTimeoutSeconds": 2}, refresh_seconds=60)
        wait_serves(d, old)
        s = samples(scrape(d))
        assert s['mesos_dns_zookeeper_session_state{state="connected"}'] == 1
        assert s['mesos_dns_zookeeper_session_state{state="disabled"}'] == 0
        assert s["mesos_dns_leader_changes_total"] == 1   # the first election
        mesos.unregister(node)
        wait_serves(d, new)
        assert samples(scrape(d))["mesos_dns_leader_changes_total"] == 2
    finally:
        kz.stop()
        kz.close()
        server.stop()
