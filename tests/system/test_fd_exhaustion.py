"""test_fd_exhaustion.py -- the daemon under a low descriptor limit (issue 11).

Started under `prlimit --nofile=256` (soft and hard) with an upstream that
never answers.  What a user sees: forwarded names fail fast, the zone's
own names keep answering over TCP, and the daemon does not burn a core
when accept() finds no descriptor (EMFILE on a level-triggered listener
used to wake the TCP thread again at once: 68% of a core measured).

Bounds are generous (CI shares two busy cores): an answer within 1 s
where it takes a few ms, under 50% of a core where the idle daemon takes
about 1%.
"""

import os
import re
import resource
import socket
import threading
import time

import dns.message
import dns.rcode
import pytest

import harness
from upstream import FakeUpstream

SILENT_HOST = "127.0.0.4"
NOFILE = 256


def cpu_seconds(pid):
    """utime + stime of the process so far, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid, seconds=2.0):
    """Share of one core the process used over the next `seconds`."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def tcp_query(host, port, name, qid, timeout=1.0):
    """(rcode or None, seconds) of one look-up over a new connection."""
    q = dns.message.make_query(name, "A")
    q.id = qid
    wire = q.to_wire()
    t0 = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(max(0.05, timeout - (time.monotonic() - t0)))
            s.sendall(len(wire).to_bytes(2, "big") + wire)
            n = int.from_bytes(recv_exact(s, 2), "big")
            r = dns.message.from_wire(recv_exact(s, n))
            return r, time.monotonic() - t0
    except (OSError, EOFError):
        return None, time.monotonic() - t0


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


@pytest.fixture
def limited(master, tmp_path):
    """A daemon under prlimit --nofile=256 forwarding to a silent upstream
    with a 10 s timeout (the forwarder's sockets stay open meanwhile)."""
    u = FakeUpstream(SILENT_HOST, harness.free_port(SILENT_HOST), mode="silent").start()
    wrapper = tmp_path / "mesos-dns-nofile"
    wrapper.write_text('#!/bin/sh\nexec prlimit --nofile=%d -- "%s" "$@"\n'
                       % (NOFILE, harness.daemon_binary()))
    wrapper.chmod(0o755)
    d = harness.Daemon(tmp_path / "daemon", master=master, binary=wrapper,
                       config={"externalon": True, "resolvers": [u.address],
                               "timeout": 10})
    d.start()
    try:
        d.wait_ready(10.0)
        limits = open("/proc/%d/limits" % d.pid).read()
        assert re.search(r"Max open files\s+%d\s+%d" % (NOFILE, NOFILE), limits), limits
        yield d
    except BaseException:
        print(d.log_text()[-4000:])
        raise
    finally:
        d.stop()
        u.stop()


def test_forward_burst_over_tcp_leaves_room_and_no_spin(limited):
    """3,000 forwarded queries in 1.5 s, 400 of them each on a TCP
    connection the client keeps open: a TCP look-up of a task name still
    answers within 1 s, and afterwards the daemon stays under half a core
    (before: 256 descriptors went to connections, accept() failed with
    EMFILE in a tight loop and the look-up waited in the backlog)."""
    d = limited
    n_tcp, n_udp = 400, 2600
    held = []
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.monotonic()
    try:
        for i in range(n_udp + n_tcp):
            q = dns.message.make_query("fd%d.example.org." % i, "A")
            q.id = i & 0xFFFF
            wire = q.to_wire()
            if i % 7 == 0 and len(held) < n_tcp:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                s.connect_ex((d.host, d.port))
                held.append((s, len(wire).to_bytes(2, "big") + wire))
            else:
                udp.sendto(wire, (d.host, d.port))
            if i % 500 == 250:
                time.sleep(max(0.0, (i / (n_udp + n_tcp)) * 1.5 - (time.monotonic() - t0)))
        # Every connection sends its query once it is established (the
        # backlog holds the ones the daemon has not accepted).
        for s, msg in held:
            s.setblocking(True)
            s.settimeout(0.5)
            try:
                s.sendall(msg)
            except OSError:
                pass
        sent = time.monotonic() - t0
        assert sent < 7.5, "sending took %.2f s: too slow to prove anything" % sent
        r, took = tcp_query(d.host, d.port, "web.marathon.mesos.", 0x4242)
        assert r is not None and took < 1.0, (r, took)
        assert harness.rrset_values(r) == {"10.0.0.3"}
        share = cpu_share(d.pid)
        assert share < 0.5, "daemon used %.0f%% of a core after the burst" % (100 * share)
        assert d.returncode is None
    finally:
        udp.close()
        for s, _ in held:
            s.close()


def test_http_clients_cannot_starve_dns(limited):
    """256 HTTP API clients (32 per address from 8 loopback addresses)
    under a limit of 256 descriptors: the HTTP server holds at most a
    quarter of them, so a TCP look-up still answers within 1 s and the
    daemon stays idle (before, the HTTP clients took every descriptor)."""
    d = limited
    http = []
    try:
        for a in range(8):
            for _ in range(32):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind(("127.0.0.%d" % (20 + a), 0))
                s.settimeout(2.0)
                try:
                    s.connect((d.http_host, d.http_port))
                except OSError:
                    s.close()
                    continue
                http.append(s)
        time.sleep(0.5)     # the HTTP server takes what it will
        assert len(os.listdir("/proc/%d/fd" % d.pid)) < NOFILE - 16
        r, took = tcp_query(d.host, d.port, "web.marathon.mesos.", 0x4242)
        assert r is not None and took < 1.0, (r, took)
        assert harness.rrset_values(r) == {"10.0.0.3"}
        share = cpu_share(d.pid)
        assert share < 0.5, "daemon used %.0f%% of a core" % (100 * share)
    finally:
        for s in http:
            s.close()


def test_listener_rests_when_no_descriptor_is_left(limited):
    """The daemon's soft limit lowered, while it runs, to two more than it
    has open (as when other parts of the process hold the rest); then 20
    DNS clients connect: accept() fails with EMFILE and the listener rests
    instead of spinning (under half a core; the old build took 79%), and
    says so once.  With the limit back, a TCP look-up answers again once
    the rest is over (at most 1 s; 5 s allowed)."""
    d = limited
    cursor = harness.LogCursor(d)
    waiting = []
    open_now = len(os.listdir("/proc/%d/fd" % d.pid))
    resource.prlimit(d.pid, resource.RLIMIT_NOFILE, (open_now + 2, NOFILE))
    try:
        for _ in range(20):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((d.host, d.port))
            waiting.append(s)
        try:
            cursor.wait(r"tcp: accept: Too many open files; not accepting for",
                        timeout=10.0)
        except AssertionError:
            raise AssertionError("%d descriptors open:\n%s" % (
                len(os.listdir("/proc/%d/fd" % d.pid)), d.log_text()[-3000:]))
        share = cpu_share(d.pid)
        assert share < 0.5, "daemon used %.0f%% of a core with no descriptor left" % (
            100 * share)
    finally:
        resource.prlimit(d.pid, resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
        for s in waiting:
            s.close()
    r, took = tcp_query(d.host, d.port, "web.marathon.mesos.", 0x4343, timeout=5.0)
    assert r is not None and harness.rrset_values(r) == {"10.0.0.3"}, (r, took)
    assert cursor.count(r"tcp: accept: ") == 1, cursor.text()
    assert d.returncode is None


def test_soft_descriptor_limit_raised_to_hard(master, tmp_path):
    """Started with a soft limit of 256 under a hard one of 4096 (the usual
    1024/524288 outside the systemd unit, scaled down): the daemon runs
    with 4096 and says so once at -v=1."""
    wrapper = tmp_path / "mesos-dns-soft"
    wrapper.write_text('#!/bin/sh\nexec prlimit --nofile=256:4096 -- "%s" "$@"\n'
                       % harness.daemon_binary())
    wrapper.chmod(0o755)
    d = harness.Daemon(tmp_path / "daemon", master=master, binary=wrapper, args=["-v=1"])
    with d:
        d.wait_ready(10.0)
        limits = open("/proc/%d/limits" % d.pid).read()
        assert re.search(r"Max open files\s+4096\s+4096", limits), limits
        assert len(re.findall(r"descriptor limit raised from 256 to 4096",
                              d.log_text())) == 1, d.log_text()
