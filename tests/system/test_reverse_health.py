"""test_reverse_health.py -- PTR records (ReverseOn) and health-aware
answers (HealthAwareOn), issue 14.

The state is the shared conformance fixture (../shared/conformance/fake)
plus an app "api" of two marathon tasks with container addresses: api.1
(10.7.0.1, port 31001) whose latest status says "healthy": true, and api.2
(10.7.0.2, port 31002) whose latest status says "healthy": false.  Checks
are what a user sees: dig, dnspython, glibc's getnameinfo through a
resolv.conf pointed at the daemon, /v1/enumerate.  The event test streams
a health flip from the shared fake master (../shared/tools/fake_master.py).
"""

import copy
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.rcode
import dns.rdatatype
import dns.reversename
import pytest

import harness

SHARED = harness.REPO.parent / "shared"
FIXTURE = SHARED / "conformance" / "fake" / "state.json"
SHARED_FAKE = SHARED / "tools" / "fake_master.py"
AGENT = "20140803-125133-3041283216-5050-2410-0"     # 1.2.3.11
HEALTHY_IP, SICK_IP = "10.7.0.1", "10.7.0.2"

pytestmark = pytest.mark.skipif(not FIXTURE.is_file(),
                                reason="conformance fixture not found at %s" % FIXTURE)


def api_task(fw_id, tid, ip, port, healthy, ts=1700000000.0):
    st = {"state": "TASK_RUNNING", "timestamp": ts,
          "container_status": {"network_infos": [{"ip_addresses": [{"ip_address": ip}]}]}}
    if healthy is not None:
        st["healthy"] = healthy
    return {"id": tid, "name": "api", "framework_id": fw_id, "slave_id": AGENT,
            "state": "TASK_RUNNING", "resources": {"ports": "[%d-%d]" % (port, port)},
            "statuses": [st]}


def marathon(state):
    return next(f for f in state["frameworks"] if f["name"] == "marathon")


def fixture_state(health=(True, False)):
    """The fixture with api.1 (10.7.0.1) and api.2 (10.7.0.2) whose latest
    statuses carry these "healthy" values (None: no health check)."""
    state = json.loads(FIXTURE.read_text())
    fw = marathon(state)
    fw["tasks"] += [api_task(fw["id"], "api.1", HEALTHY_IP, 31001, health[0]),
                    api_task(fw["id"], "api.2", SICK_IP, 31002, health[1])]
    return state


def start(master_factory, daemon_factory, config=None, state=None):
    m = master_factory(state=state or fixture_state())
    cfg = {"EventsOn": False}
    cfg.update(config or {})
    return daemon_factory(master=m, config=cfg)


def a_set(d, name, rdtype="A"):
    return harness.rrset_values(d.dns(name, rdtype), "answer", rdtype)


def srv_ports(d, name):
    return {int(v.split()[2]) for v in a_set(d, name, "SRV")}


def canonical(tid):
    return "api-%s-0.marathon.mesos." % harness.task_hash(tid)


# --------------------------------------------------------------------------
# HealthAwareOn


def test_health_aware_leaves_unhealthy_task_out_of_app_names(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"HealthAwareOn": True})
    assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP}
    assert a_set(d, "api.marathon.slave.mesos.") == {"1.2.3.11"}
    assert srv_ports(d, "_api._tcp.marathon.mesos.") == {31001}
    assert srv_ports(d, "_api._udp.marathon.slave.mesos.") == {31001}
    # its own canonical name keeps answering, so an operator can reach it
    assert a_set(d, canonical("api.2")) == {SICK_IP}
    assert a_set(d, canonical("api.1")) == {HEALTHY_IP}
    # /v1/enumerate shows each task's health
    status, doc = d.get_json("/v1/enumerate")
    health = {t["id"]: t["healthy"] for f in doc["frameworks"] for t in f["tasks"]}
    assert (health["api.1"], health["api.2"]) == (True, False)
    assert all(v is None for k, v in health.items() if not k.startswith("api."))


def test_without_health_key_both_tasks_answer(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory)
    assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP, SICK_IP}
    assert srv_ports(d, "_api._tcp.marathon.mesos.") == {31001, 31002}
    status, doc = d.get_json("/v1/enumerate")
    assert status == 200
    assert set(doc) == {"frameworks"}
    assert all(set(t) == {"name", "id", "records"}
               for f in doc["frameworks"] for t in f["tasks"])


def test_app_of_only_unhealthy_tasks_answers_with_all(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"HealthAwareOn": True},
              fixture_state(health=(False, False)))
    assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP, SICK_IP}
    assert srv_ports(d, "_api._tcp.marathon.mesos.") == {31001, 31002}


def test_task_without_health_check_is_kept(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"HealthAwareOn": True},
              fixture_state(health=(None, False)))
    assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP}
    d2 = start(master_factory, daemon_factory, {"HealthAwareOn": True},
               fixture_state(health=(None, True)))
    assert a_set(d2, "api.marathon.mesos.") == {HEALTHY_IP, SICK_IP}


# --------------------------------------------------------------------------
# ReverseOn


def dig(d, *args):
    """dig's output for a query to the daemon (recursion not asked)."""
    if shutil.which("dig") is None:
        pytest.skip("dig not installed")
    r = subprocess.run(["dig", "@%s" % d.host, "-p", str(d.port), "+norec", "+tries=1",
                        "+time=2"] + list(args), capture_output=True, text=True, timeout=20)
    return r.stdout


def dig_answers(out, rtype):
    vals = []
    for line in out.splitlines():
        parts = line.split()
        if line.startswith(";") or len(parts) < 5 or parts[3] != rtype:
            continue
        vals.append((parts[0], parts[4]))
    return vals


def dig_flags(out):
    for line in out.splitlines():
        if line.startswith(";; flags:"):
            return line.split(":")[1].split(";")[0].split()
    return []


def dig_status(out):
    for line in out.splitlines():
        if "status:" in line:
            return line.split("status:")[1].split(",")[0].strip()
    return None


def test_dig_x_task_address_answers_authoritatively(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"ReverseOn": True})
    for ip in (HEALTHY_IP, SICK_IP):
        out = dig(d, "-x", ip)
        assert dig_status(out) == "NOERROR", out
        assert "aa" in dig_flags(out), out
        names = [v for owner, v in dig_answers(out, "PTR")]
        assert owner_is(out, ip)
        assert names, out
        # task names first, in the order their A records were inserted
        assert names[0] == "api.marathon.mesos.", names
        assert canonical("api.1" if ip == HEALTHY_IP else "api.2") in names
        for name in names:
            assert name.endswith(".marathon.mesos."), names
            assert ip in a_set(d, name), name


def owner_is(out, ip):
    want = dns.reversename.from_address(ip).to_text()
    return all(owner == want for owner, _ in dig_answers(out, "PTR"))


def test_ptr_names_agents_frameworks_and_ipv6(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"ReverseOn": True})
    names = [v for _, v in dig_answers(dig(d, "-x", "1.2.3.11"), "PTR")]
    # task names first, then the agent's and the framework's own names
    assert names[-2:] == ["marathon.mesos.", "slave.mesos."], names
    assert "liquor.store.marathon.mesos." in names[:-2]
    names6 = [v for _, v in dig_answers(dig(d, "-x", "2001:db8::1"), "PTR")]
    assert {"slave.mesos.", "ipv6-framework.mesos."} <= set(names6), names6
    for name in names6:
        assert "2001:db8::1" in a_set(d, name, "AAAA"), name


def test_reverse_zone_soa_ns_and_nxdomain(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory, {"ReverseOn": True})
    # the zone served is the address's /24: SOA and NS at its apex
    r = d.dns("0.7.10.in-addr.arpa.", "SOA")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    soa = harness.rrset_values(r, "answer", "SOA")
    assert len(soa) == 1 and next(iter(soa)).startswith("ns1.mesos. root.ns1.mesos.")
    r = d.dns("0.7.10.in-addr.arpa.", "NS")
    assert harness.rrset_values(r, "answer", "NS") == {"ns1.mesos."}
    # another address of that zone: NXDOMAIN with the zone's SOA
    r = d.dns(dns.reversename.from_address("10.7.0.9"), "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA
    assert [rr.name.to_text() for rr in r.authority] == ["0.7.10.in-addr.arpa."]
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    # another type at a task address: NODATA
    r = d.dns(dns.reversename.from_address(HEALTHY_IP), "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    # an address in no zone served is not answered by us (forwarded as
    # today; forwarding is off here, so REFUSED)
    r = d.dns(dns.reversename.from_address("10.9.0.1"), "PTR")
    assert not r.answer and not r.flags & dns.flags.AA
    assert r.rcode() == dns.rcode.REFUSED
    # forward answers and /v1/axfr do not change
    assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP, SICK_IP}
    axfr = d.axfr()["Records"]
    assert not any("arpa" in n for k in axfr for n in (axfr[k] or {}))
    zones = {z["name"]: z["records"] for z in d.get_json("/v1/enumerate")[1]["reverse_zones"]}
    assert "0.7.10.in-addr.arpa." in zones
    assert {"name": "1.0.7.10.in-addr.arpa.", "host": "api.marathon.mesos.",
            "rtype": "PTR"} in zones["0.7.10.in-addr.arpa."]


def test_without_reverse_key_no_ptr(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory)
    out = dig(d, "-x", HEALTHY_IP)
    assert dig_answers(out, "PTR") == [], out
    assert "aa" not in dig_flags(out)
    r = d.dns("0.7.10.in-addr.arpa.", "SOA")
    assert not r.answer and r.rcode() == dns.rcode.REFUSED


def test_reverse_zones_from_config(master_factory, daemon_factory):
    d = start(master_factory, daemon_factory,
              {"ReverseOn": True, "ReverseZones": ["7.10.in-addr.arpa"]})
    r = d.dns("7.10.in-addr.arpa.", "SOA")
    assert r.rcode() == dns.rcode.NOERROR and harness.rrset_values(r, "answer", "SOA")
    assert dig_answers(dig(d, "-x", HEALTHY_IP), "PTR")[0][1] == "api.marathon.mesos."
    # inside the zone, no address: NXDOMAIN; a prefix holding one: NODATA
    r = d.dns("9.9.7.10.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN
    r = d.dns("0.7.10.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    # an agent address outside the listed zones is not ours
    r = d.dns(dns.reversename.from_address("1.2.3.11"), "PTR")
    assert not r.answer and r.rcode() == dns.rcode.REFUSED


def test_bad_reverse_zone_is_refused_at_start(tmp_path, mdns_bin):
    d = harness.Daemon(tmp_path / "d", master="127.0.0.1:5050", binary=mdns_bin,
                       config={"ReverseOn": True, "ReverseZones": ["10.example.com"]})
    d.start()
    assert d.wait_exit() == 1
    assert "ReverseZones" in d.log_text() and "10.example.com" in d.log_text()


# --------------------------------------------------------------------------
# glibc's getnameinfo through a resolv.conf pointed at the daemon


def _private_netns():
    try:
        return [n for _, n in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


GETNAMEINFO = ("import socket, sys\n"
               "try:\n"
               "    print(socket.getnameinfo((sys.argv[1], 0), socket.NI_NAMEREQD)[0])\n"
               "except socket.gaierror as e:\n"
               "    print('ERROR', e)\n"
               "    sys.exit(2)\n")


def getnameinfo(tmp_path, ip):
    """glibc getnameinfo(NI_NAMEREQD) in a mount namespace whose
    /etc/resolv.conf names only the daemon (as test_resolvers.py does)."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\noptions timeout:2 attempts:2\n")
    nss = tmp_path / "nsswitch.conf"
    nss.write_text("hosts: dns\n")
    script = ('mount --bind "$1" /etc/resolv.conf && '
              'mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"')
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(resolv), str(nss),
                        harness.PYTHON, "-c", GETNAMEINFO, ip],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip()


@pytest.mark.parametrize("reverse_on", [True, False])
def test_glibc_getnameinfo_names_task_address(tmp_path, master_factory, daemon_factory,
                                              reverse_on):
    if os.geteuid() != 0 or not _private_netns():
        pytest.skip("needs root in a private network namespace (tests/run_system.sh)")
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a mount namespace")
    d = start(master_factory, daemon_factory,
              {"ReverseOn": reverse_on, "listener": "127.0.0.53", "port": 53})
    rc, name = getnameinfo(tmp_path, HEALTHY_IP)
    if reverse_on:
        assert (rc, name) == (0, "api.marathon.mesos"), name
    else:
        assert rc != 0, name


# --------------------------------------------------------------------------
# a health flip streamed as an event


def test_health_flip_event_moves_answer(tmp_path, daemon_factory):
    if not SHARED_FAKE.is_file():
        pytest.skip("shared fake master not found")
    import test_events
    state = fixture_state(health=(True, True))
    m = test_events.V1Master(tmp_path / "v1", state).start()
    try:
        d = test_events.start_daemon(daemon_factory, m,
                                     config={"HealthAwareOn": True, "ReverseOn": True})
        assert a_set(d, "api.marathon.mesos.") == {HEALTHY_IP, SICK_IP}
        n_requests = len(m.requests())
        times = []
        for healthy, want in ((False, {HEALTHY_IP}), (True, {HEALTHY_IP, SICK_IP})):
            state = copy.deepcopy(state)
            t = next(t for t in marathon(state)["tasks"] if t["id"] == "api.2")
            st = copy.deepcopy(t["statuses"][-1])
            st["timestamp"] += 10.0
            st["healthy"] = healthy
            t["statuses"].append(st)
            t0 = time.monotonic()
            m.set_state(state)
            times.append(test_events.wait_answer(d, "api.marathon.mesos.", want, 5.0, t0))
            assert srv_ports(d, "_api._tcp.marathon.mesos.") == (
                {31001} if not healthy else {31001, 31002})
        # the 1 s, with 5x room for this shared machine
        assert max(times) < 5.0, times
        print("health flip answered after %s s" % ", ".join("%.3f" % x for x in times))
        # it came from the stream (two TASK_UPDATED of api.2), not from a
        # poll: the master saw no request since (refreshSeconds is 60)
        updates = [e for e in m.events()
                   if e["type"] == "TASK_UPDATED" and e.get("task_id") == "api.2"]
        assert len(updates) >= 2, m.events()[-5:]
        assert len(m.requests()) == n_requests, m.requests()[n_requests:]
        # PTR records follow events too: a task started by an event is
        # named at once, a task killed by one is not any more
        state = copy.deepcopy(state)
        fw = marathon(state)
        fw["tasks"].append(api_task(fw["id"], "api.3", "10.7.0.3", 31003, None,
                                    ts=1700000100.0))
        fw["tasks"] = [t for t in fw["tasks"] if t["id"] != "api.2"]
        m.set_state(state)
        test_events.wait_answer(d, "api.marathon.mesos.", {HEALTHY_IP, "10.7.0.3"}, 5.0)
        names = [v for _, v in dig_answers(dig(d, "-x", "10.7.0.3"), "PTR")]
        assert names == ["api.marathon.mesos.", canonical("api.3")], names
        out = dig(d, "-x", SICK_IP)
        assert dig_status(out) == "NXDOMAIN" and "aa" in dig_flags(out), out
        names = [v for _, v in dig_answers(dig(d, "-x", HEALTHY_IP), "PTR")]
        assert names == ["api.marathon.mesos.", canonical("api.1")], names
    finally:
        m.stop()
