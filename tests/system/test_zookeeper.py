"""test_zookeeper.py -- leader detection through a real ZooKeeper server.

A ZooKeeper server (Debian package, run by zkserver.py on a loopback port
with a temporary dataDir) holds what Mesos masters write: ephemeral
sequential `json.info_N` (JSON MasterInfo) or legacy `info_N` (protobuf)
znodes under the Mesos path; the lowest N is the leading master
(spec/masters.md §2).  Fake masters on distinct loopback addresses
(127.0.0.2, 127.0.0.3, ...) serve distinguishable states whose `leader`
names themselves, so DNS tells which one the daemon follows:
leader.mesos. is the leader's address and <tag>.marathon.mesos. exists
only in the state of the master tagged <tag>.

Covered: leader elected and served; leader change served within 1 s
(measured); a master joining; protobuf and legacy MasterInfo; json.info_
preferred; an undecodable or unreachable leader; the Mesos path created
late; ZooKeeper down at start (with and without static masters), silent
at start, restarted while running; session expiry (the daemon frozen past
its session timeout, and ZooKeeper restarted empty); zkDetectionTimeout at
start and later, and 0 never exiting; a 3-member ensemble with one member
down at start, an unresolvable member; zk URLs from a file, with
credentials, with a bad scheme.  Only loopback is used; every process is
ended by its PID.
"""

import os
import re
import signal
import time

import pytest

import harness
from harness import (LogCursor, a_records, hold_serving, serves, start_tagged_master,
                     tagged_state, wait_serves)
import zkserver

pytestmark = pytest.mark.skipif(zkserver.available() is not None,
                                reason=str(zkserver.available()))

LOG_LINE = re.compile(r"^ERROR: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \S+:\d+: (.*)$")


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def zk(tmp_path_factory):
    """One standalone ZooKeeper for the tests that do not stop it."""
    server = zkserver.ZkServer(tmp_path_factory.mktemp("zk"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kz(zk):
    client = zkserver.kazoo_client(zk.address)
    yield client
    client.stop()
    client.close()


_paths = iter(range(1, 1 << 30))


@pytest.fixture
def mesos(kz):
    """The Mesos path of this test (its own, on the shared server)."""
    m = zkserver.MesosZk(kz, "/mesos%d" % next(_paths))
    yield m
    kz.delete(m.path, recursive=True)


@pytest.fixture
def own_zk(tmp_path):
    """zk(**kw) -> a ZkServer of this test alone (not started); kazoo clients
    made with client() are closed, and forwarders made with forwarder()
    stopped, before the server is stopped."""
    servers, clients, forwarders = [], [], []

    def make(**kw):
        s = zkserver.ZkServer(tmp_path / ("zk%d" % len(servers)), **kw)
        servers.append(s)
        return s

    def client(server):
        c = zkserver.kazoo_client(server.address)
        clients.append(c)
        return c

    def forwarder(port, server, hold_first=0):
        f = zkserver.TcpForwarder(harness.LOOPBACK, port,
                                  (server.host, server.port), hold_first)
        forwarders.append(f)
        return f

    make.client = client
    make.forwarder = forwarder
    yield make
    for f in forwarders:
        f.stop()
    for c in clients:
        try:
            c.stop()
            c.close()
        except Exception:
            pass
    for s in servers:
        s.stop()


def zk_config(server, path, **extra):
    cfg = {"zk": "zk://%s%s" % (server if isinstance(server, str) else server.address,
                                path),
           "stateTimeoutSeconds": 2}
    cfg.update(extra)
    return cfg


# --------------------------------------------------------------------------
# leader election


def test_leader_elected_is_served(zk, mesos, master_factory, daemon_factory):
    lead = start_tagged_master(master_factory, "127.0.0.2", "alpha")
    other = start_tagged_master(master_factory, "127.0.0.3", "beta")
    # What else lives under the Mesos path is ignored.
    mesos.add_plain("log_replicas")
    mesos.add_plain("json.info_notanumber", b"{}")
    mesos.register(lead.host, lead.port)
    mesos.register(other.host, other.port)
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, lead)
    # The leader event and the all-masters event each give a reload.
    harness.wait_until(lambda: a_records(d, "master1.mesos.") == ["127.0.0.3"], 3, 0.02,
                       "master1.mesos. for the other master")
    assert a_records(d, "master0.mesos.") == ["127.0.0.2"]
    assert a_records(d, "master.mesos.") == ["127.0.0.2", "127.0.0.3"]
    assert a_records(d, "beta.marathon.mesos.") == []
    srv = harness.rrset_values(d.dns("_leader._tcp.mesos.", "SRV"), "answer", "SRV")
    assert srv == {"0 1 %d leader.mesos." % lead.port}
    recs = d.axfr()["Records"]
    assert recs["As"]["leader.mesos."] == ["127.0.0.2"]
    assert recs["As"]["alpha.marathon.mesos."] == ["10.0.0.3"]
    # The state came from the leader, not from the other master.
    assert lead.state_requests() and not other.state_requests()
    assert d.returncode is None


def test_healthy_start_logs_no_error(zk, mesos, master_factory, daemon_factory):
    m = start_tagged_master(master_factory, "127.0.0.2", "healthy")
    mesos.register(m.host, m.port)
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, m)
    time.sleep(0.5)
    assert "Error generating records" not in d.log_text(), d.log_text()


def test_master_joining_updates_master_records(zk, mesos, master_factory,
                                               daemon_factory):
    """A second master registers: master.mesos./master1.mesos. follow without
    waiting for the next refresh (refreshSeconds 60)."""
    lead = start_tagged_master(master_factory, "127.0.0.2", "lead")
    mesos.register(lead.host, lead.port)
    d = daemon_factory(config=zk_config(zk, mesos.path), refresh_seconds=60)
    wait_serves(d, lead)
    assert a_records(d, "master.mesos.") == ["127.0.0.2"]
    assert a_records(d, "master1.mesos.") == []
    time.sleep(1.1)
    mesos.register("127.0.0.3", 5050)
    t0 = time.monotonic()
    harness.wait_until(lambda: a_records(d, "master1.mesos.") == ["127.0.0.3"], 3, 0.02,
                       "master1.mesos. for the new master")
    assert time.monotonic() - t0 < 1.0
    assert a_records(d, "master.mesos.") == ["127.0.0.2", "127.0.0.3"]
    assert serves(d, lead)


def measure_switch(d, new, t0, limit=5.0):
    """Seconds from t0 until DNS answers with master new's state; until then
    every answer is the old state or the new one, never nothing."""
    while not serves(d, new):
        leader = a_records(d, "leader.mesos.")
        assert leader in (["127.0.0.2"], ["127.0.0.3"]), leader
        assert time.monotonic() - t0 < limit, "new leader not served after %gs" % limit
        time.sleep(0.01)
    return time.monotonic() - t0


def test_leader_change_served_within_1s(zk, mesos, master_factory, daemon_factory):
    """The leader's znode goes away and the next lowest takes over: its state
    is served within 1 s, without waiting for the next refresh
    (refreshSeconds is 60)."""
    old = start_tagged_master(master_factory, "127.0.0.2", "oldleader")
    new = start_tagged_master(master_factory, "127.0.0.3", "newleader")
    node = mesos.register(old.host, old.port)
    mesos.register(new.host, new.port)
    d = daemon_factory(config=zk_config(zk, mesos.path), refresh_seconds=60)
    wait_serves(d, old)
    time.sleep(1.2)  # a settled daemon, as in production
    assert serves(d, old)
    mesos.unregister(node)
    elapsed = measure_switch(d, new, time.monotonic())
    assert elapsed < 1.0, "new leader served %.2f s after the change" % elapsed
    assert a_records(d, "oldleader.marathon.mesos.") == []
    assert a_records(d, "master.mesos.") == ["127.0.0.3"]
    assert d.axfr()["Records"]["As"]["leader.mesos."] == ["127.0.0.3"]


def test_new_leader_znode_served_at_once(zk, mesos, master_factory, daemon_factory):
    """The leader's znode goes away (no leader for a moment) and a new
    master's znode appears 0.3 s later: the watch fires and its state is
    served at once."""
    old = start_tagged_master(master_factory, "127.0.0.2", "oldleader")
    new = start_tagged_master(master_factory, "127.0.0.3", "newleader")
    node = mesos.register(old.host, old.port)
    d = daemon_factory(config=zk_config(zk, mesos.path), refresh_seconds=60)
    wait_serves(d, old)
    time.sleep(1.2)
    mesos.unregister(node)
    time.sleep(0.3)
    mesos.register(new.host, new.port)
    elapsed = measure_switch(d, new, time.monotonic())
    assert elapsed < 1.0, "new leader served %.2f s after its znode appeared" % elapsed


@pytest.mark.parametrize("kind", ["protobuf", "protobuf-legacy"])
def test_protobuf_master_info(zk, mesos, master_factory, daemon_factory, kind):
    """Only a legacy info_N znode (protobuf MasterInfo, with `address` or
    only the uint32 ip)."""
    m = start_tagged_master(master_factory, "127.0.0.2", "proto")
    node = mesos.register(m.host, m.port, kind=kind)
    assert node.startswith("info_")
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, m)
    assert a_records(d, "master0.mesos.") == ["127.0.0.2"]


def test_json_info_keys_as_go_reads_them(zk, mesos, master_factory, daemon_factory):
    """The original decodes a json.info znode with Go's encoding/json: keys
    in any case, and of duplicate keys the last one counts (Mesos itself
    writes lower case, once)."""
    m = start_tagged_master(master_factory, "127.0.0.2", "folded")
    data = ('{"Address":{"IP":"127.0.0.9","Port":1},"ID":"m",'
            '"ADDRESS":{"Ip":"%s","PORT":%d}}' % (m.host, m.port)).encode()
    node = mesos.register(m.host, m.port, data=data)
    assert node.startswith("json.info_")
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, m)
    assert a_records(d, "master0.mesos.") == ["127.0.0.2"]
    assert a_records(d, "leader.mesos.") == ["127.0.0.2"]


def test_json_info_preferred_over_protobuf(zk, mesos, master_factory, daemon_factory):
    """A json.info_ znode wins over an info_ znode with a lower number."""
    pb = start_tagged_master(master_factory, "127.0.0.2", "pbmaster")
    js = start_tagged_master(master_factory, "127.0.0.3", "jsonmaster")
    first = mesos.register(pb.host, pb.port, kind="protobuf")
    second = mesos.register(js.host, js.port, kind="json")
    assert int(first.rsplit("_", 1)[1]) < int(second.rsplit("_", 1)[1])
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, js)
    assert a_records(d, "pbmaster.marathon.mesos.") == []


def test_zk_leader_unreachable_other_master_asked(zk, mesos, master_factory,
                                                  daemon_factory):
    """The leader in ZooKeeper does not answer: the other masters found in
    ZooKeeper are asked in turn; one whose state names itself is served."""
    dead_port = harness.free_port("127.0.0.2")
    other = start_tagged_master(master_factory, "127.0.0.3", "survivor")
    mesos.register("127.0.0.2", dead_port)
    mesos.register(other.host, other.port)
    d = daemon_factory(config=zk_config(zk, mesos.path))
    wait_serves(d, other)
    d.wait_log(r"^ERROR: .*fetching state from master 127\.0\.0\.2:%d: .*; trying the "
               r"next master$" % dead_port, timeout=5)
    assert a_records(d, "master.mesos.") == ["127.0.0.2", "127.0.0.3"]


def test_undecodable_leader_znode_keeps_zone(zk, mesos, master_factory,
                                             daemon_factory):
    """The leading znode holds garbage: the leader is unknown, the last zone
    stays, and a good leader is followed again afterwards."""
    a = start_tagged_master(master_factory, "127.0.0.2", "before")
    b = start_tagged_master(master_factory, "127.0.0.3", "after")
    node = mesos.register(a.host, a.port)
    d = daemon_factory(config=zk_config(zk, mesos.path, zkDetectionTimeout=0),
                       refresh_seconds=1)
    wait_serves(d, a)
    axfr = d.axfr()["Records"]
    time.sleep(1.1)
    log = LogCursor(d)
    mesos.unregister(node)
    bad = mesos.register("127.0.0.9", 1, data=b"\x00not json", kind="json")
    log.wait(r"^ERROR: .*zk: cannot decode MasterInfo in %s/%s$" % (
        re.escape(mesos.path), bad))
    hold_serving(d, a, 2.0, axfr)
    # Read again about once a second (each cycle reads it as the leader and
    # as a master: two lines), never in a tight loop.
    assert log.count(r"zk: cannot decode MasterInfo") <= 10, log.text()[-2000:]
    time.sleep(1.1)
    mesos.unregister(bad)
    mesos.register(b.host, b.port)
    wait_serves(d, b, timeout=5)


# --------------------------------------------------------------------------
# ZooKeeper unavailable or restarted


# A ZooKeeper server accepts connections a moment before it serves them and
# never answers a connection made in that moment; the C client then waits
# 2/3 of the session timeout (40 s at start) before it tries again (see
# test_zk_silent_at_start_abandoned_soon).  The tests of "ZooKeeper comes
# up" below therefore open the daemon's ZooKeeper port only once the server
# serves, through a forwarder.


def test_zk_down_at_start_static_masters_then_zk(own_zk, master_factory,
                                                 daemon_factory):
    server = own_zk()
    port = harness.free_port()
    static = start_tagged_master(master_factory, "127.0.0.4", "static")
    lead = start_tagged_master(master_factory, "127.0.0.2", "zkleader")
    d = daemon_factory(master=static, config=zk_config("127.0.0.1:%d" % port, "/mesos"),
                       refresh_seconds=60)
    # No ZooKeeper: the configured masters are asked.
    wait_serves(d, static)
    hold_serving(d, static, 2.0)
    assert d.returncode is None
    server.start()
    zkserver.MesosZk(own_zk.client(server), "/mesos").register(lead.host, lead.port)
    own_zk.forwarder(port, server).start()
    t_up = time.monotonic()
    wait_serves(d, lead, timeout=10)
    assert time.monotonic() - t_up < 5
    # ZooKeeper's list of masters replaces the configured one (the leader
    # event and the all-masters event each give a reload: wait for the
    # second).
    harness.wait_until(lambda: a_records(d, "master.mesos.") == ["127.0.0.2"], 3,
                       0.05, "master.mesos. to hold only ZooKeeper's master")
    assert a_records(d, "static.marathon.mesos.") == []


def test_zk_down_at_start_no_masters(own_zk, master_factory, daemon_factory):
    server = own_zk()
    port = harness.free_port()
    lead = start_tagged_master(master_factory, "127.0.0.2", "late")
    d = daemon_factory(config=zk_config("127.0.0.1:%d" % port, "/mesos"), ready=False)
    time.sleep(2.0)
    # Still trying, nothing to serve yet.
    assert d.returncode is None, d.log_text()
    harness.assert_no_records_served(d)
    server.start()
    zkserver.MesosZk(own_zk.client(server), "/mesos").register(lead.host, lead.port)
    own_zk.forwarder(port, server).start()
    t_up = time.monotonic()
    d.wait_ready(timeout=10)
    wait_serves(d, lead)
    assert time.monotonic() - t_up < 5


def test_zk_silent_at_start_abandoned_soon(zk, mesos, own_zk, master_factory,
                                          daemon_factory):
    """The first connection to ZooKeeper is accepted and never answered (as
    a ZooKeeper that is starting does); the next one works.  The daemon
    gives up on the silent one soon and finds the leader well within the
    default zkDetectionTimeout."""
    m = start_tagged_master(master_factory, "127.0.0.2", "patient")
    mesos.register(m.host, m.port)
    port = harness.free_port()
    fwd = own_zk.forwarder(port, zk, hold_first=1).start()
    d = daemon_factory(config=zk_config("127.0.0.1:%d" % port, mesos.path),
                       ready=False)
    d.wait_ready(timeout=15)
    wait_serves(d, m)
    assert fwd.accepted >= 2


def test_zk_restarted_while_running(own_zk, master_factory, daemon_factory):
    """ZooKeeper dies for 5 s and comes back with its data (the daemon's
    session, 10 s, survives): the last zone is served meanwhile, with
    zkDetectionTimeout 0 the daemon never exits, and it then follows the
    leader again.  The master's znode is persistent here and the test's
    own client is gone before the restart, so that only the daemon has to
    reconnect."""
    server = own_zk(max_session_ms=10000).start()
    m = start_tagged_master(master_factory, "127.0.0.2", "before")
    kz = zkserver.kazoo_client(server.address)
    zkserver.MesosZk(kz, "/mesos").register(m.host, m.port, ephemeral=False)
    kz.stop()
    kz.close()
    d = daemon_factory(config=zk_config(server, "/mesos", zkDetectionTimeout=0),
                       refresh_seconds=1)
    wait_serves(d, m)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    server.stop()
    log.wait(r"^ERROR: .*zk: connection lost; leading master unknown")
    hold_serving(d, m, 5.0, axfr)
    log.wait(r"^ERROR: .*Error generating records: .*; keeping old DNS state$")
    m.tag = "after"
    m.set_state(tagged_state(m.host, m.port, "after"))
    server.start()
    t_up = time.monotonic()
    wait_serves(d, m, timeout=15)
    # Usually 0.1 s; a connection the client makes while ZooKeeper is still
    # loading its data hangs until the client's timeout (2/3 of the 10 s
    # session), which bounds this.
    assert time.monotonic() - t_up < 10
    assert d.returncode is None


def test_session_expired_daemon_frozen(own_zk, master_factory, daemon_factory):
    """The daemon is frozen (SIGSTOP) past its session timeout: ZooKeeper
    expires its session; meanwhile the leader changes.  Once thawed it gets
    a new session and serves the new leader."""
    server = own_zk(max_session_ms=2000).start()
    kz = own_zk.client(server)
    mesos = zkserver.MesosZk(kz, "/mesos")
    old = start_tagged_master(master_factory, "127.0.0.2", "oldleader")
    new = start_tagged_master(master_factory, "127.0.0.3", "newleader")
    node = mesos.register(old.host, old.port)
    mesos.register(new.host, new.port)
    d = daemon_factory(config=zk_config(server, "/mesos", zkDetectionTimeout=0),
                       refresh_seconds=1)
    wait_serves(d, old)
    ours = set(server.sessions()) - {kz.client_id[0]}
    assert len(ours) == 1, server.sessions()
    sid = ours.pop()
    assert server.sessions()[sid] == 2000
    os.kill(d.pid, signal.SIGSTOP)
    try:
        mesos.unregister(node)
        harness.wait_until(lambda: sid not in server.sessions(), 8, 0.1,
                           "ZooKeeper to expire the daemon's session")
        time.sleep(0.5)
    finally:
        os.kill(d.pid, signal.SIGCONT)
    # Right after the thaw: the old zone or the new one, never nothing.
    t0 = time.monotonic()
    while not serves(d, new):
        assert a_records(d, "leader.mesos.") in (["127.0.0.2"], ["127.0.0.3"])
        assert time.monotonic() - t0 < 10, d.log_text()[-3000:]
        time.sleep(0.05)
    now = set(server.sessions()) - {kz.client_id[0]}
    assert len(now) == 1 and sid not in now, (sid, server.sessions())
    assert d.returncode is None


def test_session_expired_zk_restarted_empty(own_zk, master_factory, daemon_factory):
    """ZooKeeper comes back with no data at all (every session expired, the
    Mesos path gone): the last zone is served until the masters register
    again, then the new leader is."""
    server = own_zk(max_session_ms=2000).start()
    m1 = start_tagged_master(master_factory, "127.0.0.2", "first")
    m2 = start_tagged_master(master_factory, "127.0.0.3", "second")
    mesos = zkserver.MesosZk(own_zk.client(server), "/mesos")
    mesos.register(m1.host, m1.port)
    d = daemon_factory(config=zk_config(server, "/mesos", zkDetectionTimeout=0),
                       refresh_seconds=1)
    wait_serves(d, m1)
    axfr = d.axfr()["Records"]
    server.stop()
    server.wipe()
    server.start()
    # The daemon's session is unknown to the new server; nothing is under
    # /mesos.  The zone stays.
    hold_serving(d, m1, 3.0, axfr)
    kz2 = own_zk.client(server)
    zkserver.MesosZk(kz2, "/mesos").register(m2.host, m2.port)
    wait_serves(d, m2, timeout=10)
    assert d.returncode is None


# --------------------------------------------------------------------------
# zkDetectionTimeout


@pytest.mark.parametrize("zk_state", ["empty-path", "unreachable"])
def test_no_leader_within_timeout_exits_1(zk, kz, own_zk, daemon_factory, zk_state):
    if zk_state == "empty-path":
        kz.ensure_path("/nobody-here")
        url = zk_config(zk, "/nobody-here", zkDetectionTimeout=3)
    else:
        url = zk_config(own_zk(), "/mesos", zkDetectionTimeout=3)
    t0 = time.monotonic()
    d = daemon_factory(config=url, ready=False)
    status = d.wait_exit(20)
    took = time.monotonic() - t0
    assert status == 1, d.log_text()
    assert re.search(r"^ERROR: .*master detection timed out after 3s$", d.stderr_text(),
                     re.M), d.log_text()
    assert 2.5 <= took < 15, took
    with pytest.raises(OSError):
        d.get("/v1/version", timeout=1.0)


@pytest.mark.parametrize("fault", ["leader-znode-gone", "zk-killed"])
def test_leader_lost_later_exits_after_timeout(own_zk, master_factory, daemon_factory,
                                              fault):
    """The timer also runs when a known leader is lost later: the zone is
    served for zkDetectionTimeout seconds, then the daemon exits 1."""
    server = own_zk(max_session_ms=2000).start()
    mesos = zkserver.MesosZk(own_zk.client(server), "/mesos")
    m = start_tagged_master(master_factory, "127.0.0.2", "lost")
    node = mesos.register(m.host, m.port)
    d = daemon_factory(config=zk_config(server, "/mesos", zkDetectionTimeout=3),
                       refresh_seconds=1)
    wait_serves(d, m)
    time.sleep(1.2)
    if fault == "leader-znode-gone":
        mesos.unregister(node)
    else:
        server.stop()
    t0 = time.monotonic()
    # Served until the end.
    while d.returncode is None and time.monotonic() - t0 < 2.0:
        assert serves(d, m)
        time.sleep(0.1)
    status = d.wait_exit(20)
    took = time.monotonic() - t0
    assert status == 1
    assert re.search(r"^ERROR: .*master detection timed out after 3s$", d.stderr_text(),
                     re.M), d.log_text()
    assert 2.5 <= took < 15, took


# --------------------------------------------------------------------------
# ensembles and URLs


def test_ensemble_one_member_down_at_start(tmp_path, master_factory, daemon_factory):
    """A 3-member ensemble with member 1 down (listed first in the URL)
    still gives the leader (the original's issue #503)."""
    ens = zkserver.ZkEnsemble(tmp_path / "ensemble", size=3)
    kz = None
    try:
        for member in ens.members[1:]:
            member.start(wait=False)
        for member in ens.members[1:]:
            member.wait_serving(30)
        kz = zkserver.kazoo_client(",".join(x.address for x in ens.members[1:]))
        m = start_tagged_master(master_factory, "127.0.0.5", "quorum")
        zkserver.MesosZk(kz, "/mesos").register(m.host, m.port)
        hosts = ",".join(x.address for x in ens.members)
        assert hosts.startswith(ens.members[0].address)
        t0 = time.monotonic()
        d = daemon_factory(config=zk_config(hosts, "/mesos", zkDetectionTimeout=10),
                           ready=False)
        d.wait_ready(timeout=10)
        wait_serves(d, m)
        assert time.monotonic() - t0 < 10
    finally:
        if kz is not None:
            kz.stop()
            kz.close()
        ens.stop()


def test_unresolvable_member_listed_first(zk, mesos, master_factory, daemon_factory):
    """A member whose host name does not resolve (a host taken out of DNS)
    does not keep the daemon from the live member."""
    m = start_tagged_master(master_factory, "127.0.0.2", "resolved")
    mesos.register(m.host, m.port)
    hosts = "zk-gone.invalid:2181,%s" % zk.address
    d = daemon_factory(config=zk_config(hosts, mesos.path, zkDetectionTimeout=10),
                       ready=False)
    d.wait_ready(timeout=10)
    wait_serves(d, m)


def test_mesos_path_created_later(zk, kz, master_factory, daemon_factory):
    """The Mesos path does not exist yet when the daemon starts."""
    path = "/late%d" % next(_paths)
    m = start_tagged_master(master_factory, "127.0.0.2", "latepath")
    d = daemon_factory(config=zk_config(zk, path, zkDetectionTimeout=0), ready=False)
    time.sleep(1.5)
    assert d.returncode is None, d.log_text()
    mesos = zkserver.MesosZk(kz, path)
    try:
        mesos.register(m.host, m.port)
        d.wait_ready(timeout=5)
        wait_serves(d, m)
    finally:
        kz.delete(path, recursive=True)


def test_zk_url_credentials_ignored(zk, mesos, master_factory, daemon_factory):
    """zk://user:secret@hosts/path: the credentials are parsed away."""
    m = start_tagged_master(master_factory, "127.0.0.2", "withcreds")
    mesos.register(m.host, m.port)
    d = daemon_factory(config=zk_config("user:secret@" + zk.address, mesos.path))
    wait_serves(d, m)
    # /v1/config masks them like the Mesos secret
    status, conf = d.get_json("/v1/config")
    assert status == 200
    assert conf["Zk"] == "zk://******@%s%s" % (zk.address, mesos.path)
    assert b"secret" not in d.get("/v1/config")[2]


def test_deeply_nested_znode_is_refused(zk, mesos, master_factory, daemon_factory):
    """A json.info_ znode nested 500,000 deep (about ZooKeeper's 1 MB
    limit): one line, the daemon stays up with the last zone, and a good
    leader is followed afterwards."""
    a = start_tagged_master(master_factory, "127.0.0.2", "before")
    b = start_tagged_master(master_factory, "127.0.0.3", "after")
    node = mesos.register(a.host, a.port)
    d = daemon_factory(config=zk_config(zk, mesos.path, zkDetectionTimeout=0),
                       refresh_seconds=1)
    wait_serves(d, a)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    depth = 500000
    deep = b'{"address":' + b"[" * depth + b"]" * depth + b"}"
    mesos.unregister(node)
    bad = mesos.register("127.0.0.9", 1, data=deep, kind="json")
    log.wait(r"^ERROR: .*zk: cannot decode MasterInfo in %s/%s$" % (
        re.escape(mesos.path), bad))
    hold_serving(d, a, 2.0, axfr)
    assert d.returncode is None
    mesos.unregister(bad)
    mesos.register(b.host, b.port)
    wait_serves(d, b, timeout=5)


def test_zk_url_from_file(zk, mesos, master_factory, daemon_factory, tmp_path):
    """zk "file://PATH": the URL is read from that file."""
    m = start_tagged_master(master_factory, "127.0.0.2", "fromfile")
    mesos.register(m.host, m.port)
    spec = tmp_path / "zk.url"
    spec.write_text("zk://%s%s\n" % (zk.address, mesos.path))
    d = daemon_factory(config={"zk": "file://%s" % spec, "zkDetectionTimeout": 10})
    wait_serves(d, m)


def test_bad_zk_url_scheme_exits_1(daemon_factory):
    d = daemon_factory(config={"zk": "http://127.0.0.1:2181/mesos"}, ready=False)
    assert d.wait_exit(10) == 1
    lines = [LOG_LINE.match(l) for l in d.stderr_text().splitlines()]
    msgs = [x.group(1) for x in lines if x]
    assert "failed to initialize master detector: invalid url scheme for zk url" in msgs, \
        d.log_text()
    with pytest.raises(OSError):
        d.get("/v1/version", timeout=1.0)


# --------------------------------------------------------------------------
# configuration reload (SIGHUP, service/reload.c)


def test_sighup_switches_to_zookeeper_and_to_another_path(zk, kz, mesos, master_factory,
                                                          daemon_factory):
    static = start_tagged_master(master_factory, "127.0.0.2", "static")
    lead = start_tagged_master(master_factory, "127.0.0.3", "elected")
    mesos.register(lead.host, lead.port)
    d = daemon_factory(master=static, config={"stateTimeoutSeconds": 2})
    wait_serves(d, static)
    log = LogCursor(d)
    # Static masters -> ZooKeeper: the elected master is followed.
    d.config.update(zk_config(zk, mesos.path), masters=[])
    harness.write_atomic(d.config_path, d.config)
    os.kill(d.pid, signal.SIGHUP)
    wait_serves(d, lead, timeout=15.0)
    log.wait(r"reload: following the leader through ZooKeeper")
    # Another Mesos path with another leader.
    other = zkserver.MesosZk(kz, "/mesos%d" % next(_paths))
    try:
        third = start_tagged_master(master_factory, "127.0.0.4", "third")
        other.register(third.host, third.port)
        d.config.update(zk_config(zk, other.path))
        harness.write_atomic(d.config_path, d.config)
        os.kill(d.pid, signal.SIGHUP)
        wait_serves(d, third, timeout=15.0)
        assert d.returncode is None
    finally:
        kz.delete(other.path, recursive=True)
