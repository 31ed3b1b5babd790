"""test_records.py -- the records of spec/records.md for an awkward state,
checked through /v1/axfr and /v1/hosts.

tests/data/records_state.json has an IPv6 agent, an agent given as an
IPv4-mapped IPv6 address, an agent whose host name does not resolve (#509),
task and framework names that need normalising (long ones, ones that
RFC 952 cuts differently), frameworks without pid (IP, localhost,
unresolvable host), the same task name in two frameworks, and two
framework names that normalise to the same label.  The expected records
are worked out by hand from the spec; record lists are compared as sets.
"""

from collections import defaultdict
from pathlib import Path

import pytest

from harness import task_hash

DATA = Path(__file__).resolve().parents[1] / "data"
STATE = DATA / "records_state.json"


class Expected:
    def __init__(self):
        self.rr = {"As": defaultdict(set), "AAAAs": defaultdict(set),
                   "SRVs": defaultdict(set)}

    def ip(self, name, value):
        kind = "AAAAs" if ":" in value else "As"
        self.rr[kind][name].add(value)

    def srv(self, name, value):
        self.rr["SRVs"][name].add(value)

    def task(self, label, fname, task_id, sid, ips, slave_ips, ports=()):
        """records.md §6: the context records of one task (no DI)."""
        canon = "%s-%s-%s.%s" % (label, task_hash(task_id), sid, fname)
        arec = "%s.%s" % (label, fname)
        for ip in ips:
            self.ip(arec + ".mesos.", ip)
            self.ip(canon + ".mesos.", ip)
        for ip in slave_ips:
            if ip[0].isdigit() or ":" in ip:
                self.ip(arec + ".slave.mesos.", ip)
                self.ip(canon + ".slave.mesos.", ip)
            else:  # #509: a host name, stored as an A value
                self.rr["As"][arec + ".slave.mesos."].add(ip)
                self.rr["As"][canon + ".slave.mesos."].add(ip)
        for p in ports:
            target = "%s.slave.mesos.:%d" % (canon, p)
            for proto in ("_tcp", "_udp"):
                self.srv("_%s.%s.%s.slave.mesos." % (label, proto, fname), target)
                self.srv("_%s.%s.%s.mesos." % (label, proto, fname), target)

    def records(self):
        return {k: {n: sorted(v) for n, v in m.items()} for k, m in self.rr.items()}


def expected_records(rfc952):
    e = Expected()
    spark = "sparkcluster.prod-1"
    # leader, masters, name server (listener 127.0.0.1)
    for name in ("leader.mesos.", "master.mesos.", "master0.mesos.", "ns1.mesos."):
        e.ip(name, "127.0.0.1")
    e.srv("_leader._tcp.mesos.", "leader.mesos.:5050")
    e.srv("_leader._udp.mesos.", "leader.mesos.:5050")
    # agents: the mapped address is an A, the unresolvable one gives none
    for ip in ("2001:db8::20", "10.5.0.9", "10.5.0.10"):
        e.ip("slave.mesos.", ip)
    e.srv("_slave._tcp.mesos.", "slave.mesos.:5051")
    # frameworks
    e.ip(spark + ".mesos.", "2001:db8::30")
    e.srv("_framework._tcp.%s.mesos." % spark, "%s.mesos.:7077" % spark)
    e.ip("nopid.mesos.", "10.5.0.50")
    e.ip("local.mesos.", "127.0.0.1")
    e.ip("alpha.mesos.", "10.5.0.70")
    e.ip("alpha.mesos.", "10.5.0.72")
    e.srv("_framework._tcp.alpha.mesos.", "alpha.mesos.:1")
    e.ip("beta.mesos.", "10.5.0.71")
    e.ip(("lives" if rfc952 else "9lives") + ".mesos.", "10.5.0.60")
    e.srv("_framework._tcp.%s.mesos." % ("lives" if rfc952 else "9lives"),
          "%s.mesos.:1" % ("lives" if rfc952 else "9lives"))
    e.srv("_framework._tcp.beta.mesos.", "beta.mesos.:1")
    # tasks
    worker = ("analytics-worker-batch-p" if rfc952 else
              "123-analytics-worker-batch-processing-v2")
    e.task(worker, spark, "aw.1", "r0", ["10.6.0.1", "2001:db8::99"],
           ["2001:db8::20"], [31000])
    e.task("db", "nopid", "db.1", "r2", ["10.5.0.10"], ["10.5.0.10"])
    e.task("cache", "no-pid-unresolvable", "cache.1", "r1", ["10.5.0.9"], ["10.5.0.9"])
    e.task("web", "alpha", "web.a", "r2", ["10.5.0.10"], ["10.5.0.10"])
    e.task("x" * (24 if rfc952 else 63), "alpha", "long.1", "r2", ["10.5.0.10"],
           ["10.5.0.10"])
    e.task("abcdefghijklmnopqrstuvwx" if rfc952 else "abcdefghijklmnopqrstuvw-xyz",
           "alpha", "cut.1", "r2", ["10.5.0.10"], ["10.5.0.10"])
    e.task("web", "beta", "web.b", "r1", ["10.5.0.9"], ["10.5.0.9"])
    e.task("orphan", "beta", "orphan.1", "r3", [], ["agent-unknown.example"])
    e.task("web", "alpha", "web.c", "r0", ["2001:db8::20"], ["2001:db8::20"])
    return e.records()


@pytest.fixture(params=[False, True], ids=["rfc1123", "rfc952"])
def served(request, master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, refresh_seconds=60, config={
        "dnson": False, "EventsOn": False, "stateTimeoutSeconds": 5,
        "EnforceRFC952": request.param})
    return d, request.param


def axfr_records(d):
    doc = d.axfr()
    return {k: {n: sorted(v) for n, v in doc["Records"][k].items()}
            for k in ("As", "AAAAs", "SRVs")}


def hosts(d, name):
    status, doc = d.get_json("/v1/hosts/" + name)
    assert status == 200
    return [(e["host"], e["ip"]) for e in doc]


def test_axfr_matches_spec(served):
    d, rfc952 = served
    got = axfr_records(d)
    want = expected_records(rfc952)
    for kind in ("As", "AAAAs", "SRVs"):
        missing = {n: v for n, v in want[kind].items() if got[kind].get(n) != v}
        extra = {n: v for n, v in got[kind].items() if n not in want[kind]}
        assert not missing and not extra, (kind, missing, extra)


def test_ipv6_agent_and_task(served):
    d, rfc952 = served
    worker = ("analytics-worker-batch-p" if rfc952 else
              "123-analytics-worker-batch-processing-v2")
    name = worker + ".sparkcluster.prod-1.mesos."
    # A first (the IPv4-mapped netinfo address, printed dotted), then AAAA
    # (canonical text).
    assert hosts(d, name) == [(name, "10.6.0.1"), (name, "2001:db8::99")]
    slave = worker + ".sparkcluster.prod-1.slave.mesos."
    assert hosts(d, slave) == [(slave, "2001:db8::20")]
    assert hosts(d, "sparkcluster.prod-1.mesos") == [
        ("sparkcluster.prod-1.mesos.", "2001:db8::30")]


def test_ipv4_mapped_agent_is_an_a_record(served):
    d, _ = served
    got = hosts(d, "slave.mesos")
    assert sorted(got[:2]) == [("slave.mesos.", "10.5.0.10"), ("slave.mesos.", "10.5.0.9")]
    assert got[2:] == [("slave.mesos.", "2001:db8::20")]
    assert hosts(d, "web.beta.mesos") == [("web.beta.mesos.", "10.5.0.9")]
    assert "::ffff:10.5.0.9" not in str(d.axfr())


def test_same_task_name_in_two_frameworks(served):
    d, _ = served
    # Kept apart by framework...
    assert hosts(d, "web.beta.mesos") == [("web.beta.mesos.", "10.5.0.9")]
    # ...while "alpha" and "Alpha" normalise to one name and merge
    # (gaps.md #21): A from one task, AAAA from the other, A first.
    assert hosts(d, "web.alpha.mesos") == [("web.alpha.mesos.", "10.5.0.10"),
                                          ("web.alpha.mesos.", "2001:db8::20")]


def test_frameworks_without_pid(served):
    d, _ = served
    assert hosts(d, "nopid.mesos") == [("nopid.mesos.", "10.5.0.50")]
    assert hosts(d, "local.mesos") == [("local.mesos.", "127.0.0.1")]
    srvs = d.axfr()["Records"]["SRVs"]
    assert "_framework._tcp.nopid.mesos." not in srvs
    assert "_framework._tcp.local.mesos." not in srvs
    # An unresolvable host: no framework records, its tasks still there.
    assert hosts(d, "no-pid-unresolvable.mesos") == [("", "")]
    assert hosts(d, "cache.no-pid-unresolvable.mesos") == [
        ("cache.no-pid-unresolvable.mesos.", "10.5.0.9")]


def test_long_names(served):
    d, rfc952 = served
    label = "x" * (24 if rfc952 else 63)
    assert hosts(d, label + ".alpha.mesos") == [(label + ".alpha.mesos.", "10.5.0.10")]
    cut = "abcdefghijklmnopqrstuvwx" if rfc952 else "abcdefghijklmnopqrstuvw-xyz"
    assert hosts(d, cut + ".alpha.mesos") == [(cut + ".alpha.mesos.", "10.5.0.10")]
    lives = "lives" if rfc952 else "9lives"
    assert hosts(d, lives + ".mesos") == [(lives + ".mesos.", "10.5.0.60")]


def test_unresolvable_agent_pseudo_value(served):
    d, _ = served
    as_ = d.axfr()["Records"]["As"]
    canon = "orphan-%s-r3.beta.slave.mesos." % task_hash("orphan.1")
    assert as_["orphan.beta.slave.mesos."] == ["agent-unknown.example"]
    assert as_[canon] == ["agent-unknown.example"]
    assert "orphan.beta.mesos." not in as_
    assert "agent-unknown.example" not in as_.get("slave.mesos.", [])
