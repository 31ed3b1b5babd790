"""test_faults.py -- the daemon against a misbehaving Mesos master.

Whatever the master does (down, gone, slow, erroring, sending garbage,
truncated, huge or leaderless states, malformed entries), the daemon must
stay up, keep serving the last good records unchanged (same /v1/axfr, same
serial), log one line that names the master and the problem, and recover
when the master does.  Also: failover over the static masters list, the
leader redirect, and the signals (SIGHUP reloads now, SIGTERM exits 0).

All daemons here are HTTP only ("dnson": false) and use loopback only.
"""

import hashlib
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

import harness
from harness import LogCursor

DATA = Path(__file__).resolve().parents[1] / "data"
STATE = DATA / "faults_state.json"


def http_only(**extra):
    # HTTP only; state polling only (no operator API event stream), so
    # every fault shows on the polling path.
    cfg = {"dnson": False, "EventsOn": False, "stateTimeoutSeconds": 2}
    cfg.update(extra)
    return cfg


def hosts(d, name):
    status, doc = d.get_json("/v1/hosts/" + name)
    assert status == 200
    return sorted(e["ip"] for e in doc if e["ip"])


def assert_still_serving(d, before):
    """The daemon is up and serves exactly the generation `before`."""
    assert d.returncode is None, d.log_text()
    assert d.axfr() == before
    assert hosts(d, "web.marathon.mesos") == ["10.4.0.1"]


def wait_new_serial(d, serial, timeout=10.0):
    return harness.wait_until(lambda: d.axfr()["Serial"] > serial and d.axfr(),
                              timeout, 0.1, "a new generation")


@pytest.fixture
def served(master_factory, daemon_factory):
    """(master, daemon): refresh every second, state timeout 2 s."""
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=1)
    return m, d


KEEP = r"; keeping old DNS state$"


@pytest.mark.parametrize("faults,problem", [
    ({"status": 500}, r"master {addr} answered HTTP 500"),
    ({"status": 401}, r"master {addr} answered HTTP 401"),
    ({"delay": 5}, r"fetching state from master {addr}: .*[Tt]imed out"),
    ({"garbage": True}, r"master {addr} sent a bad state: invalid JSON at byte \d+"),
    ({"truncate": True}, r"fetching state from master {addr}: transfer closed with \d+ "
                         r"bytes remaining"),
    ({"no_leader": True}, r"master {addr}: fetched state does not contain leader information"),
    ({"close": True}, r"fetching state from master {addr}: Empty reply from server"),
], ids=["http500", "http401", "hang", "invalid-json", "truncated", "no-leader",
        "closed"])
def test_fault_keeps_last_records(served, faults, problem):
    m, d = served
    good = d.axfr()
    log = LogCursor(d)
    m.set_faults(**faults)
    regex = r"^ERROR: .*Error generating records: " + problem.format(
        addr=re.escape(m.address)) + r".*" + KEEP
    log.wait(regex, timeout=10)
    # From the first failure on, the generation (and its serial) stays;
    # serials are whole seconds, so wait past the next one.
    before = d.axfr()
    assert before["Records"] == good["Records"]
    time.sleep(2.2)
    assert_still_serving(d, before)
    # Every line the fault caused is that one line, once per attempt.
    errors = log.errors()
    assert errors and all(re.match(regex, l) for l in errors), errors
    # The master heals: new generations again.
    m.set_faults()
    after = wait_new_serial(d, before["Serial"])
    assert after["Records"] == before["Records"]


def test_master_down_at_start(master_factory, daemon_factory):
    port = harness.free_port()
    addr = "127.0.0.1:%d" % port
    d = daemon_factory(master=[addr], config=http_only(), refresh_seconds=60,
                       ready=False)
    # Retries come much sooner than refreshSeconds (60 s) until the first
    # load; no records are served meanwhile (the HTTP API says why, and is
    # not ready).
    fail = r"^ERROR: .*Error generating records: fetching state from master %s: .*%s" % (
        re.escape(addr), KEEP)
    harness.wait_until(lambda: len(re.findall(fail, d.log_text(), re.M)) >= 2, 10,
                       message="two failed attempts")
    harness.assert_no_records_served(d)
    assert d.returncode is None
    t0 = time.monotonic()
    master_factory(state=STATE, extra_args=["--port", str(port)])
    doc = d.wait_ready(timeout=20)
    assert time.monotonic() - t0 < 20
    assert doc["Records"]["As"]["web.marathon.mesos."] == ["10.4.0.1"]


def test_master_goes_away_and_comes_back(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    port = m.port
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=1)
    before = d.axfr()
    log = LogCursor(d)
    m.stop()
    log.wait(r"^ERROR: .*Error generating records: fetching state from master %s: "
             r".*(connect|refused).*%s" % (re.escape(m.address), KEEP))
    time.sleep(1.5)
    assert_still_serving(d, before)
    master_factory(state=STATE, extra_args=["--port", str(port)])
    wait_new_serial(d, before["Serial"])


def test_huge_body_daemon_stays_up(master_factory, daemon_factory):
    """200 MB of state, the fake padding it with one giant string: refused
    at the first MiB of that string (JSON strings are capped at 1 MiB, the
    body at StateMaxBytes, 128 MiB by default), old records kept."""
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, config=http_only(stateTimeoutSeconds=20),
                       refresh_seconds=60)
    before = d.axfr()
    log = LogCursor(d)
    m.set_faults(huge_mb=200)
    t0 = time.monotonic()
    os.kill(d.pid, signal.SIGHUP)
    log.wait(r"^ERROR: .*Error generating records: master %s sent a bad state: a JSON "
             r"string longer than 1048576 bytes at byte \d+%s" % (
                 re.escape(m.address), KEEP), timeout=15)
    assert time.monotonic() - t0 < 5
    assert_still_serving(d, before)


def _big_state(tasks, agents=200):
    state = {"leader": "master@127.0.0.1:5050", "slaves": [], "frameworks": []}
    for a in range(agents):
        state["slaves"].append({
            "id": "20240101-000000-1-5050-B%d" % a, "hostname": "agent%d" % a,
            "pid": "slave(1)@10.%d.%d.1:5051" % (a // 250, a % 250),
            "resources": {"cpus": 32, "mem": 262144, "ports": "[31000-32000]"},
            "attributes": {"rack": "r%d" % (a % 10)}})
    for f in range(10):
        fw = {"name": "fw%d" % f, "pid": "scheduler(1)@10.200.0.%d:8080" % f,
              "tasks": []}
        for t in range(tasks // 10):
            a = (f * 7919 + t) % agents
            fw["tasks"].append({
                "id": "app%d-%d.%08x-0000-4000-8000-000000000000" % (f, t, t),
                "name": "app%d-%d" % (f, t % 500), "framework_id": "F%d" % f,
                "slave_id": "20240101-000000-1-5050-B%d" % a,
                "state": "TASK_RUNNING",
                "resources": {"cpus": 0.1, "mem": 64, "ports": "[%d-%d]" % (
                    31000 + t % 900, 31000 + t % 900)},
                "statuses": [{"state": "TASK_RUNNING", "timestamp": 1700000000.0 + t,
                              "labels": [{"key": "team", "value": "t%d" % (t % 7)}],
                              "container_status": {"network_infos": [{
                                  "ip_addresses": [{"ip_address": "172.%d.%d.%d" % (
                                      16 + f, t // 250 % 250, t % 250)}]}]}}]})
        state["frameworks"].append(fw)
    return state


def test_big_legitimate_state_loaded(master_factory, daemon_factory, tmp_path):
    """A 50k-task state (tens of MB, under the default StateMaxBytes) is
    fetched, parsed and served in good time."""
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_big_state(50000)))
    size = path.stat().st_size
    assert 20 << 20 < size < 128 << 20
    m = master_factory(state=path)
    t0 = time.monotonic()
    d = daemon_factory(master=m, config=http_only(stateTimeoutSeconds=30),
                       refresh_seconds=60, ready_timeout=30)
    assert time.monotonic() - t0 < 30
    assert hosts(d, "app3-17.fw3.mesos") == sorted(
        "172.19.%d.%d" % (t // 250 % 250, t % 250) for t in range(17, 5000, 500))
    assert len(hosts(d, "slave.mesos")) == 200
    assert "ERROR" not in d.log_text()


def test_huge_body_over_limit(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, refresh_seconds=60,
                       config=http_only(stateTimeoutSeconds=30, StateMaxBytes=1048576))
    before = d.axfr()
    time.sleep(1.1)
    log = LogCursor(d)
    m.set_faults(huge_mb=200)
    t0 = time.monotonic()
    os.kill(d.pid, signal.SIGHUP)
    log.wait(r"^ERROR: .*Error generating records: master %s sent a state larger "
             r"than StateMaxBytes \(1048576 bytes\)%s" % (re.escape(m.address), KEEP),
             timeout=10)
    # Refused as soon as the limit is crossed, not after 200 MB.
    assert time.monotonic() - t0 < 5
    assert_still_serving(d, before)


@pytest.mark.parametrize("state,logged,served,gone", [
    ("faults_bad_agent.json",
     [r'state: skipped malformed entry: slave 2: "id" is a JSON number, want a string',
      r"skipping slave 20240101-000000-1-5050-A2: (no|malformed) pid",
      r"skipping slave 20240101-000000-1-5050-A3: no pid"],
     {"web.marathon.mesos": ["10.4.0.1"], "slave.mesos": ["10.4.0.1"]},
     ["lost.marathon.mesos"]),
    ("faults_bad_framework.json",
     [r'state: skipped malformed entry: framework 2: "name" is a JSON array, want a string',
      r'state: skipped malformed entry: framework 3 task 1: "name" is a JSON number, '
      r"want a string"],
     {"web.marathon.mesos": ["10.4.0.1"], "ok.aurora.mesos": ["10.4.0.1"],
      "aurora.mesos": ["10.4.0.102"]},
     ["job.chronos.mesos", "chronos.mesos"]),
    ("faults_bad_ports.json",
     [r'task web\.1: port range "31000" has no \'-\'; range skipped',
      r'task api\.1: port range "31002" has no \'-\'; range skipped'],
     {"web.marathon.mesos": ["10.4.0.1"], "api.marathon.mesos": ["10.4.0.1"]},
     []),
], ids=["agent", "framework", "port-range"])
def test_malformed_entries_skipped(master_factory, daemon_factory, state, logged,
                                   served, gone):
    m = master_factory(state=DATA / state)
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=60)
    for line in logged:
        d.wait_log(r"^ERROR: .*" + line, timeout=5)
    for name, ips in served.items():
        assert hosts(d, name) == ips, name
    for name in gone:
        assert hosts(d, name) == [], name
    assert "keeping old DNS state" not in d.log_text()


def test_port_range_srv_kept(master_factory, daemon_factory):
    m = master_factory(state=DATA / "faults_bad_ports.json")
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=60)
    srvs = d.axfr()["Records"]["SRVs"]
    assert [n for n in srvs if n.startswith("_web.")] == []
    assert srvs["_api._tcp.marathon.mesos."] == [
        "api-%s-a0.marathon.slave.mesos.:31001" % _hash("api.1")]


def _hash(task_id):
    """records.md §7.3."""
    alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
    bits = "".join(format(b, "08b") for b in hashlib.sha1(task_id.encode()).digest())
    return "".join(alphabet[int(bits[5 * i:5 * i + 5], 2)] for i in range(5))


def test_first_static_master_dead(master_factory, daemon_factory):
    dead = "127.0.0.1:%d" % harness.free_port()
    m = master_factory(state=STATE)
    d = daemon_factory(master=[dead, m.address], config=http_only(),
                       refresh_seconds=60)
    assert hosts(d, "web.marathon.mesos") == ["10.4.0.1"]
    d.wait_log(r"^ERROR: .*fetching state from master %s: .*; trying the next master$"
               % re.escape(dead), timeout=5)
    assert len(m.state_requests()) >= 1


def test_all_static_masters_dead_then_second_up(master_factory, daemon_factory):
    dead = "127.0.0.1:%d" % harness.free_port()
    port = harness.free_port()
    d = daemon_factory(master=[dead, "127.0.0.1:%d" % port], config=http_only(),
                       refresh_seconds=60, ready=False)
    d.wait_log(r"Error generating records: fetching state from master 127\.0\.0\.1:%d"
               % port, timeout=5)
    master_factory(state=STATE, extra_args=["--port", str(port)])
    d.wait_ready(timeout=20)


def _state_with(leader, task):
    state = json.loads(STATE.read_text())
    state["leader"] = leader
    state["frameworks"][0]["tasks"][0]["name"] = task
    return state


def test_hostname_master(master_factory, daemon_factory):
    """gaps.md A.1: a host name in `masters` crashes the original; here it
    is fetched from and resolved like an address."""
    m = master_factory(state=STATE)
    d = daemon_factory(master=["localhost:%d" % m.port], config=http_only(),
                       refresh_seconds=60)
    assert hosts(d, "web.marathon.mesos") == ["10.4.0.1"]
    assert hosts(d, "master0.mesos") == ["127.0.0.1"]
    assert d.returncode is None


def test_hostname_leader(master_factory, daemon_factory):
    """gaps.md A.2: a leader given by host name (the original panics)."""
    m = master_factory(state=_state_with("master@localhost:5050", "web"))
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=60)
    assert hosts(d, "leader.mesos") == ["127.0.0.1"]
    assert hosts(d, "web.marathon.mesos") == ["10.4.0.1"]


def test_unresolvable_leader_keeps_old(served):
    m, d = served
    good = d.axfr()
    log = LogCursor(d)
    m.set_state(_state_with("master@leader.invalid:5050", "web"))
    log.wait(r"^ERROR: .*Error generating records: .*leader\.invalid.*%s" % KEEP)
    before = d.axfr()
    assert before["Records"] == good["Records"]
    time.sleep(2.2)
    assert_still_serving(d, before)


def test_leader_elsewhere_is_asked(master_factory, daemon_factory):
    """The state names another leader host: the daemon asks that host (same
    port) and serves its state."""
    leader = master_factory(state=STATE, host="127.0.0.2")
    q = leader.port
    leader.set_state(_state_with("master@127.0.0.2:%d" % q, "fresh"))
    follower = master_factory(state=_state_with("master@127.0.0.2:%d" % q, "stale"),
                              extra_args=["--port", str(q)])
    d = daemon_factory(master=follower, config=http_only(), refresh_seconds=60)
    assert hosts(d, "fresh.marathon.mesos") == ["10.4.0.1"]
    assert hosts(d, "stale.marathon.mesos") == []
    assert hosts(d, "leader.mesos") == ["127.0.0.2"]
    assert len(follower.state_requests()) >= 1
    assert len(leader.state_requests()) >= 1


def test_http_redirect_followed(master_factory, daemon_factory):
    target = master_factory(state=STATE, host="127.0.0.2")
    target.set_state(_state_with("master@127.0.0.2:%d" % target.port, "moved"))
    origin = master_factory(state=STATE, extra_args=["--port", str(target.port)],
                            faults={"redirect_to": target.address})
    d = daemon_factory(master=origin, config=http_only(), refresh_seconds=60)
    assert hosts(d, "moved.marathon.mesos") == ["10.4.0.1"]
    assert [r["status"] for r in origin.state_requests()][:1] == [307]


def test_leader_elsewhere_without_leader_keeps_old(master_factory, daemon_factory):
    other = master_factory(state=STATE, host="127.0.0.2")
    first = master_factory(state=STATE, extra_args=["--port", str(other.port)])
    d = daemon_factory(master=first, config=http_only(), refresh_seconds=1)
    before = d.axfr()
    assert before["Records"]["As"]["leader.mesos."] == ["127.0.0.1"]
    time.sleep(1.1)
    other.set_faults(no_leader=True)
    first.set_state(_state_with("master@127.0.0.2:%d" % other.port, "web"))
    harness.wait_until(lambda: len(other.state_requests()) >= 2, 10,
                       message="the daemon to ask the named leader")
    time.sleep(1.0)
    assert d.returncode is None
    # The records stay; the serial moved at the successful refreshes before
    # the switch, as the original's does.
    assert d.axfr()["Records"] == before["Records"]


def test_sighup_reloads_now(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=60)
    assert hosts(d, "late.marathon.mesos") == []
    m.set_state(_state_with("master@127.0.0.1:5050", "late"))
    # Not picked up on its own (refreshSeconds is 60)...
    time.sleep(1.5)
    assert hosts(d, "late.marathon.mesos") == []
    # ...but at once on SIGHUP.
    t0 = time.monotonic()
    os.kill(d.pid, signal.SIGHUP)
    harness.wait_until(lambda: hosts(d, "late.marathon.mesos") == ["10.4.0.1"], 5,
                       message="the new state after SIGHUP")
    assert time.monotonic() - t0 < 5
    assert hosts(d, "web.marathon.mesos") == []
    assert d.returncode is None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0(served, sig):
    _, d = served
    os.kill(d.pid, sig)
    assert d.wait_exit(5) == 0
    with pytest.raises(OSError):
        d.get("/v1/version", timeout=1.0)


def test_sigterm_before_first_load(daemon_factory):
    d = daemon_factory(master=["127.0.0.1:%d" % harness.free_port()],
                       config=http_only(), refresh_seconds=60, ready=False)
    d.wait_log(r"Error generating records", timeout=5)
    os.kill(d.pid, signal.SIGTERM)
    assert d.wait_exit(5) == 0


def test_sigterm_during_hung_fetch(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, refresh_seconds=60,
                       config=http_only(stateTimeoutSeconds=30))
    m.set_faults(delay=15)
    os.kill(d.pid, signal.SIGHUP)
    time.sleep(1.5)  # the reload is now waiting for the master
    t0 = time.monotonic()
    os.kill(d.pid, signal.SIGTERM)
    assert d.wait_exit(20) == 0
    # A clean exit should not have to wait for the hung master.
    assert time.monotonic() - t0 < 5
