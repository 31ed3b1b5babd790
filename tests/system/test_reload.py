"""test_reload.py -- live configuration reload (SIGHUP) and what systemd
hears (sd_notify on NOTIFY_SOCKET).

The original must be restarted for every configuration change; here a
SIGHUP re-reads config.json: a valid file applies without a failed query,
an invalid one is refused with the start-up message and changes nothing,
keys tied to sockets stay until a restart.  A test holds the NOTIFY_SOCKET
a service manager would, and reads READY=1, RELOADING=1, STOPPING=1 and
WATCHDOG=1 as systemd would.
"""

import json
import os
import re
import signal
import socket
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

import harness
from upstream import FakeUpstream

LOOPBACK = harness.LOOPBACK


def rewrite(d, **changes):
    """config.json of d with changes (keys as the daemon's config dict)."""
    d.config.update(changes)
    harness.write_atomic(d.config_path, d.config)


def config_doc(d):
    status, doc = d.get_json("/v1/config")
    assert status == 200
    return doc


def leader_ttl(d):
    r = d.dns("leader.mesos.")
    assert r.rcode() == dns.rcode.NOERROR and r.answer, r
    return r.answer[0].ttl


class Prober:
    """Asks leader.mesos. A over UDP every 50 ms from a thread and keeps
    every failure (timeout, error rcode, empty answer) and the TTLs."""

    def __init__(self, d):
        self.d = d
        self.failures = []
        self.ttls = []
        self.count = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        q = dns.message.make_query("leader.mesos.", "A")
        while not self._stop.is_set():
            t = time.monotonic()
            try:
                r = dns.query.udp(q, self.d.host, port=self.d.port, timeout=1.0)
                if r.rcode() != dns.rcode.NOERROR or not r.answer:
                    self.failures.append((t, dns.rcode.to_text(r.rcode())))
                else:
                    self.ttls.append((t, r.answer[0].ttl))
            except Exception as e:  # a timeout is a failed query
                self.failures.append((t, repr(e)))
            self.count += 1
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(5)


def test_sighup_applies_a_new_ttl_without_a_failed_query(daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60)
    assert leader_ttl(d) == 60
    log = harness.LogCursor(d)
    with Prober(d) as p:
        time.sleep(0.5)
        rewrite(d, TTL=7, SOARefresh=1234)
        t0 = time.monotonic()
        os.kill(d.pid, signal.SIGHUP)
        harness.wait_until(lambda: leader_ttl(d) == 7, 15.0, 0.02,
                           "the new TTL in DNS answers")
        took = time.monotonic() - t0
        time.sleep(1.0)
    print("new TTL answered %.3f s after SIGHUP; %d probes" % (took, p.count))
    assert took < 15.0
    assert p.failures == [], p.failures
    assert p.count >= 15
    # The probe saw the old TTL, then only the new one.
    after = [ttl for t, ttl in p.ttls if t > t0 + took]
    assert after and set(after) == {7}
    cfg = config_doc(d)
    assert cfg["TTL"] == 7 and cfg["SOARefresh"] == 1234
    soa = d.dns("mesos.", "SOA")
    rrsets = soa.answer or soa.authority
    assert rrsets and rrsets[0][0].refresh == 1234, soa
    assert log.errors() == []
    log.wait(r"reload: configuration .* applied")


def test_broken_config_changes_nothing(daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60, config={"TTL": 33})
    before = config_doc(d)
    assert leader_ttl(d) == 33
    log = harness.LogCursor(d)
    good = dict(d.config)
    harness.write_atomic(d.config_path, '{"TTL": 5, "RefreshSeconds": "60"}')
    os.kill(d.pid, signal.SIGHUP)
    log.wait(r"failed to unmarshal config file")
    time.sleep(0.5)
    errors = log.errors()
    assert len(errors) == 1, errors
    assert ("json: cannot unmarshal string into Go struct field "
            "Config.RefreshSeconds of type int") in errors[0]
    assert "reload refused" in errors[0]
    assert d.returncode is None
    assert leader_ttl(d) == 33
    assert config_doc(d) == before
    # A validation error (not JSON) is refused the same way.
    bad = dict(good, IPSources=["rkt"], TTL=5)
    harness.write_atomic(d.config_path, bad)
    os.kill(d.pid, signal.SIGHUP)
    log.wait(r'IPSources validation failed: invalid ip source "rkt"')
    assert d.returncode is None and leader_ttl(d) == 33
    # And a good file afterwards still applies.
    harness.write_atomic(d.config_path, dict(good, TTL=9))
    os.kill(d.pid, signal.SIGHUP)
    harness.wait_until(lambda: leader_ttl(d) == 9, 15.0, 0.05)


def test_sighup_applies_new_resolvers(daemon_factory, master):
    a = FakeUpstream(LOOPBACK, harness.free_port(), default_a="10.1.1.1").start()
    b = FakeUpstream(LOOPBACK, harness.free_port(), default_a="10.2.2.2").start()
    try:
        d = daemon_factory(master=master, refresh_seconds=60,
                           config={"externalon": True, "resolvers": [a.address],
                                   "timeout": 2})
        assert harness.rrset_values(d.dns("one.example.org."), "answer", "A") == {"10.1.1.1"}
        rewrite(d, resolvers=[b.address])
        os.kill(d.pid, signal.SIGHUP)
        n = [0]

        def answered_by_b():
            n[0] += 1
            r = d.dns("q%d.example.org." % n[0])
            assert r.rcode() == dns.rcode.NOERROR, r
            return harness.rrset_values(r, "answer", "A") == {"10.2.2.2"}
        harness.wait_until(answered_by_b, 15.0, 0.05, "the new upstream's answer")
        asked_a = a.count()
        # Over TCP too (the TCP thread has its own forwarder).
        r = d.dns("tcp.example.org.", tcp=True)
        assert harness.rrset_values(r, "answer", "A") == {"10.2.2.2"}
        assert a.count() == asked_a
        assert config_doc(d)["Resolvers"] == [b.address]
    finally:
        a.stop()
        b.stop()


def test_sighup_applies_a_new_masters_list(daemon_factory, master_factory):
    m1 = harness.start_tagged_master(master_factory, LOOPBACK, "first")
    m2 = harness.start_tagged_master(master_factory, LOOPBACK, "second")
    d = daemon_factory(master=m1, refresh_seconds=60, config={"EventsOn": False})
    harness.wait_serves(d, m1)
    rewrite(d, masters=[m2.address])
    t0 = time.monotonic()
    os.kill(d.pid, signal.SIGHUP)
    harness.wait_serves(d, m2, timeout=15.0)
    print("second master's records %.3f s after SIGHUP" % (time.monotonic() - t0))
    assert harness.a_records(d, "first.marathon.mesos.") == []
    assert config_doc(d)["Masters"] == [m2.address]


def test_sighup_applies_new_master_credentials(daemon_factory, master_factory):
    m = harness.start_tagged_master(master_factory, LOOPBACK, "before",
                                    basic_auth="dns:old-secret")
    d = daemon_factory(master=m, refresh_seconds=1, config={
        "EventsOn": False, "MesosAuthentication": "basic",
        "MesosCredentials": {"principal": "dns", "secret": "old-secret"}})
    harness.wait_serves(d, m)
    # The master's secret rotates: its state answers 401, the zone stays.
    log = harness.LogCursor(d)
    m.stop()
    m2 = harness.start_tagged_master(master_factory, LOOPBACK, "after", port=m.port,
                                     basic_auth="dns:new-secret")
    log.wait(r"answered HTTP 401")
    assert harness.serves(d, m)
    rewrite(d, MesosCredentials={"principal": "dns", "secret": "new-secret"})
    os.kill(d.pid, signal.SIGHUP)
    harness.wait_serves(d, m2, timeout=15.0)
    assert "new-secret" not in d.log_text()


def test_sighup_moves_the_listeners(daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60)
    log = harness.LogCursor(d)
    old_port, old_http = d.port, d.http_port
    new_port, new_http = harness.free_port(), harness.free_port()
    rewrite(d, port=new_port, httpport=new_http)
    os.kill(d.pid, signal.SIGHUP)
    log.wait(r"reload: DNS now on 127\.0\.0\.1:%d" % new_port)
    log.wait(r"reload: HTTP now on 127\.0\.0\.1:%d" % new_http)
    d.port, d.http_port = new_port, new_http
    assert harness.a_records(d, "leader.mesos.") == [master.host]
    assert harness.a_records(d, "leader.mesos.") == [master.host]
    r = d.dns("leader.mesos.", tcp=True)
    assert r.answer
    assert config_doc(d)["Port"] == new_port
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("leader.mesos.", "A"), LOOPBACK,
                      port=old_port, timeout=0.5)
    with pytest.raises(OSError):
        socket.create_connection((LOOPBACK, old_http), timeout=1).close()
    assert log.errors() == []


def test_sighup_to_a_port_in_use_is_refused(daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60, config={"TTL": 21})
    log = harness.LogCursor(d)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind((LOOPBACK, 0))
    try:
        rewrite(d, port=taken.getsockname()[1], TTL=5)
        os.kill(d.pid, signal.SIGHUP)
        line = log.wait(r"^ERROR: .*DNS cannot listen on .*reload refused.*$")
        assert "Address already in use" in line.group(0)
        time.sleep(0.3)
        assert leader_ttl(d) == 21
        assert config_doc(d)["TTL"] == 21
    finally:
        taken.close()


def test_restart_only_key_is_kept(daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60)
    log = harness.LogCursor(d)
    rewrite(d, EDNS0MaxUDPSize=4096, TTL=11)
    os.kill(d.pid, signal.SIGHUP)
    line = log.wait(r"reload: EDNS0MaxUDPSize .* needs a restart.*$")
    assert line.group(0).endswith("keeping 1232")
    # The rest applies.
    harness.wait_until(lambda: leader_ttl(d) == 11, 15.0, 0.05)
    assert config_doc(d)["EDNS0MaxUDPSize"] == 1232


# --------------------------------------------------------------------------
# systemd notify


class NotifySocket:
    """The AF_UNIX datagram socket a service manager holds (NOTIFY_SOCKET)."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []  # (monotonic time, text)

    def read(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        self.messages.append((time.monotonic(), data.decode()))
        return data.decode()

    def wait(self, field, timeout=15.0):
        """The first message (from now on) holding the line `field`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.read(max(0.01, deadline - time.monotonic()))
            if m is not None and field in m.split("\n"):
                return m
        raise AssertionError("no %s on NOTIFY_SOCKET in %.0f s; got %r" % (
            field, timeout, self.messages))

    def close(self):
        self.sock.close()


@pytest.fixture
def notify(tmp_path):
    n = NotifySocket(tmp_path / "notify.sock")
    yield n
    n.close()


def test_notify_ready_reload_stopping(notify, daemon_factory, master):
    master.set_faults(status=500)
    d = daemon_factory(master=master, refresh_seconds=1, ready=False,
                       env={"NOTIFY_SOCKET": notify.path})
    # No READY=1 while the master fails.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        m = notify.read(0.1)
        assert m is None or "READY=1" not in m.split("\n"), m
    assert any("STATUS=waiting for the first master state" in m
               for _, m in notify.messages), notify.messages
    master.set_faults()
    ready = notify.wait("READY=1")
    # READY=1 only once records are served.
    assert harness.a_records(d, "leader.mesos.") == [master.host]
    first = re.search(r"STATUS=serving \d+ records, serial (\d+)", ready)
    assert first, ready

    # Each publication tells its serial (polls every second move it).
    def new_serial():
        m = notify.read(0.5)
        got = m and re.search(r"^STATUS=serving \d+ records, serial (\d+)$", m, re.M)
        return got and got.group(1) != first.group(1)
    harness.wait_until(new_serial, 10.0, 0.0, "a STATUS= line with a new serial")
    os.kill(d.pid, signal.SIGHUP)
    reloading = notify.wait("RELOADING=1")
    assert re.search(r"^MONOTONIC_USEC=\d+$", reloading, re.M), reloading
    notify.wait("READY=1")
    d.proc.send_signal(signal.SIGTERM)
    notify.wait("STOPPING=1")
    assert d.wait_exit(10) == 0


def test_notify_watchdog(notify, daemon_factory, master):
    d = daemon_factory(master=master, refresh_seconds=60,
                       env={"NOTIFY_SOCKET": notify.path,
                            "WATCHDOG_USEC": "400000"})
    t0 = time.monotonic()
    pings = 0
    while pings < 4:
        notify.wait("WATCHDOG=1", timeout=5.0)
        pings += 1
    took = time.monotonic() - t0
    # Half of 400 ms between pings: 4 pings in well under 5 s.
    assert took < 5.0, took
    assert d.returncode is None
