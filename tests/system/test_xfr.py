"""test_xfr.py -- zone transfers to real secondaries (issue 13).

Debian's knotd and nsd are secondaries of the daemon's zone on loopback:
they load it by AXFR, are told of changes by NOTIFY and fetch them by
IXFR.  What a user sees is checked: the secondaries' answers against
/v1/axfr and the daemon's own, transfers refused outside
ZoneTransferAllow or with a wrong TSIG key, serials across a restart.
"""

import base64
import re
import socket
import time

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest

import harness
from secondaries import KnotSecondary, NsdSecondary
from test_events import SHARED_FAKE, Cluster, start_daemon, v1_factory  # noqa: F401

KEY = ("xfr-key.", base64.b64encode(b"0123456789abcdef0123456789abcdef").decode())
WRONG = ("xfr-key.", base64.b64encode(b"fedcba9876543210fedcba9876543210").decode())


def xfr_config(allow=("127.0.0.1/32",), notify=(), tsig=None, serial_file=None,
               **extra):
    cfg = {"ZoneTransferAllow": list(allow), "ZoneTransferNotify": list(notify)}
    if tsig:
        cfg["ZoneTransferTSIG"] = {"name": tsig[0], "secret": tsig[1]}
    if serial_file:
        cfg["ZoneTransferSerialFile"] = str(serial_file)
    cfg.update(extra)
    return cfg


def raw_xfr(d, rdtype="AXFR", source=None, keyring=None, keyname=None, serial=None):
    """One AXFR/IXFR over TCP from source; the list of reply messages
    (stops at the closing SOA, an error rcode or EOF)."""
    if rdtype == "IXFR":
        q = dns.message.make_query("mesos.", "IXFR")
        q.authority.append(dns.rrset.from_text(
            "mesos.", 60, "IN", "SOA", "ns1.mesos. root.ns1.mesos. %d 60 600 86400 60" % serial))
    else:
        q = dns.message.make_query("mesos.", rdtype)
    if keyring:
        q.use_tsig(keyring, keyname=keyname, algorithm="hmac-sha256")
    wire = q.to_wire()
    out = []
    with socket.create_connection((d.host, d.port), timeout=10,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(len(wire).to_bytes(2, "big") + wire)
        soas = 0
        while True:
            try:
                head = harness._recv_exact(s, 2)
            except ConnectionError:
                break
            body = harness._recv_exact(s, int.from_bytes(head, "big"))
            try:
                m = dns.message.from_wire(body, keyring=False, one_rr_per_rrset=True)
            except dns.tsig.PeerError:
                # An error signalled in the TSIG RR (BADSIG, BADKEY):
                # dnspython raises instead of parsing; keep the header.
                m = dns.message.Message(id=int.from_bytes(body[:2], "big"))
                m.flags = int.from_bytes(body[2:4], "big")
                assert body[6:10] == b"\0\0\0\0", "records in an error reply"
            out.append(m)
            if m.rcode() != dns.rcode.NOERROR:
                break
            soas += sum(1 for r in m.answer if r.rdtype == dns.rdatatype.SOA)
            if soas >= 2 or (rdtype == "IXFR" and len(m.answer) == 1 and soas == 1
                             and len(out) == 1 and m.answer[0].rdtype == dns.rdatatype.SOA
                             and len(m.answer[0]) == 1):
                break
    return out


def served_names(axfr):
    """{(name, type): set of rdata texts} of /v1/axfr as DNS answers."""
    recs = axfr["Records"]
    out = {}
    for name, vals in (recs.get("As") or {}).items():
        out[(name, "A")] = set(vals)
    for name, vals in (recs.get("AAAAs") or {}).items():
        out[(name, "AAAA")] = set(vals)
    for name, vals in (recs.get("SRVs") or {}).items():
        out[(name, "SRV")] = set(vals)
    return out


def answer_set(msg, rdtype):
    return {r.to_text() for rrset in msg.answer if rrset.rdtype == dns.rdatatype.from_text(rdtype)
            for r in rrset}


def soa_serial_of(ask):
    try:
        r = ask("mesos.", "SOA", timeout=0.5)
    except (OSError, dns.exception.DNSException):
        return None
    for rrset in list(r.answer) + list(r.authority):
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def wait_serial(sec, serial, timeout=15.0):
    def ok():
        got = soa_serial_of(sec.ask)
        return got is not None and got >= serial
    harness.wait_until(ok, timeout, 0.05,
                       "secondary at serial %d\n%s" % (serial, sec.log_text()[-3000:]))


def assert_same_answers(d, sec):
    """Every A/AAAA/SRV name of /v1/axfr is answered by the secondary
    exactly as the daemon answers it."""
    names = served_names(d.axfr())
    assert names
    for (name, rdtype) in sorted(names):
        ours = d.dns(name, rdtype, tcp=True)
        theirs = sec.ask(name, rdtype, tcp=True)
        assert theirs.rcode() == dns.rcode.NOERROR, (name, rdtype, theirs)
        assert answer_set(theirs, rdtype) == answer_set(ours, rdtype), (name, rdtype)


def rich_cluster():
    c = Cluster()
    c.add_task("web.1", "web", ip="10.1.0.1")
    c.add_task("web.2", "web", ip="10.1.0.2", agent="S2-AGENT-1", port=31001)
    c.add_task("db.1", "db", ip="fd00::5")
    for i in range(40):
        c.add_task("svc%d.1" % i, "svc%d" % i, ip="10.2.%d.%d" % (i // 200, i % 200 + 1),
                   port=31100 + i)
    return c


# --------------------------------------------------------------------------


def test_axfr_refused_by_default(v1_factory, daemon_factory):
    """Without ZoneTransferAllow an AXFR over TCP gets REFUSED and names are
    answered as before."""
    m = v1_factory(rich_cluster().state)
    d = start_daemon(daemon_factory, m)
    for t in ("AXFR", "IXFR"):
        msgs = raw_xfr(d, t, serial=1)
        assert msgs[0].rcode() == dns.rcode.REFUSED, msgs[0]
    assert answer_set(d.dns("db.marathon.mesos.", "AAAA", tcp=True), "AAAA") == {"fd00::5"}


def test_axfr_outside_allow_list_refused(v1_factory, daemon_factory):
    """127.0.0.1/32 may transfer; 127.0.0.2 gets REFUSED."""
    m = v1_factory(rich_cluster().state)
    d = start_daemon(daemon_factory, m, config=xfr_config())
    refused = raw_xfr(d, "AXFR", source="127.0.0.2")
    assert len(refused) == 1 and refused[0].rcode() == dns.rcode.REFUSED
    assert not refused[0].answer
    ok = raw_xfr(d, "AXFR", source="127.0.0.1")
    assert ok[0].rcode() == dns.rcode.NOERROR
    rrs = [rr for msg in ok for rr in msg.answer]
    assert rrs[0].rdtype == dns.rdatatype.SOA and rrs[-1].rdtype == dns.rdatatype.SOA


def test_axfr_matches_v1_axfr_and_is_streamed(v1_factory, daemon_factory):
    """The transfer holds every record /v1/axfr lists, in messages of at
    most 64 KiB, compressed; a zone of 3000 tasks takes several messages."""
    c = Cluster()
    for i in range(3000):
        c.add_task("big%d.1" % i, "big%d" % i, ip="10.%d.%d.%d" % (
            3 + i // 65536, (i // 256) % 256, i % 256))
    m = v1_factory(c.state)
    d = start_daemon(daemon_factory, m, config=xfr_config())
    msgs = raw_xfr(d, "AXFR")
    assert len(msgs) > 1
    got = {}
    for msg in msgs:
        assert len(msg.to_wire()) <= 65535
        for rrset in msg.answer:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.SRV):
                key = (rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype))
                for r in rrset:
                    v = r.to_text()
                    if rrset.rdtype == dns.rdatatype.SRV:
                        v = "%s:%d" % (r.target.to_text().rstrip("."), r.port)
                    got.setdefault(key, set()).add(v)
    want = {}
    for (name, t), vals in served_names(d.axfr()).items():
        want[(name, t)] = {v if t != "SRV" else v.rstrip(".") for v in vals}
    for k in want:
        if k[1] == "SRV":
            want[k] = {v.replace(".:", ":") for v in want[k]}
    assert {k: v for k, v in got.items()} == want


def test_knot_secondary_loads_zone(tmp_path, v1_factory, daemon_factory):
    """Knot, a secondary of ours, answers every A/AAAA/SRV name as we do."""
    m = v1_factory(rich_cluster().state)
    d = start_daemon(daemon_factory, m, config=xfr_config())
    k = KnotSecondary(tmp_path / "knot", "127.0.0.1", harness.free_port(), "mesos",
                      d.host, d.port).start()
    try:
        wait_serial(k, soa_serial_of(lambda *a, **kw: d.dns(*a, **kw)))
        assert_same_answers(d, k)
    finally:
        k.stop()


def test_serial_goes_up_across_restart(tmp_path, v1_factory, daemon_factory):
    """A previous run's serial ran ahead of the clock (many changes a
    second): the serial is persisted, so the next run starts above it,
    every change goes up, and so does the serial after a restart."""
    c = Cluster()
    m = v1_factory(c.state)
    serial_file = tmp_path / "serial"
    ahead = int(time.time()) + 1000
    serial_file.write_text("%d\n" % ahead)
    cfg = xfr_config(serial_file=serial_file)
    d = start_daemon(daemon_factory, m, config=cfg)
    from test_events import wait_answer
    serials = [soa_serial_of(lambda *a, **kw: d.dns(*a, **kw))]
    assert serials[0] > ahead
    for i in range(4):
        c.add_task("r%d.1" % i, "restart%d" % i, ip="10.77.0.%d" % (i + 1))
        m.set_state(c.state)
        wait_answer(d, "restart%d.marathon.mesos." % i, {"10.77.0.%d" % (i + 1)}, 5.0)
        serials.append(soa_serial_of(lambda *a, **kw: d.dns(*a, **kw)))
    assert all(b > a for a, b in zip(serials, serials[1:])), serials
    assert int(serial_file.read_text()) == serials[-1]
    d.stop()
    d2 = start_daemon(daemon_factory, m, config=cfg)
    after = soa_serial_of(lambda *a, **kw: d2.dns(*a, **kw))
    assert after > serials[-1], (serials, after)
    # An unchanged state keeps the serial (a secondary has nothing to fetch).
    d2.proc.send_signal(__import__("signal").SIGHUP)
    d2.wait_log(r"state unchanged|tasks, .* names")
    time.sleep(0.5)
    assert soa_serial_of(lambda *a, **kw: d2.dns(*a, **kw)) == after


def test_tsig_required_and_verified(v1_factory, daemon_factory):
    """With ZoneTransferTSIG: a transfer signed with the key is answered,
    every message signed (dnspython verifies them); a wrong key gets
    NOTAUTH, an unsigned request REFUSED; the secret is masked in
    /v1/config and not in the log."""
    c = Cluster()
    for i in range(2500):
        c.add_task("t%d.1" % i, "tsig%d" % i, ip="10.9.%d.%d" % (i // 250, i % 250 + 1))
    m = v1_factory(c.state)
    d = start_daemon(daemon_factory, m, config=xfr_config(tsig=KEY))
    ring = dns.tsigkeyring.from_text({KEY[0]: KEY[1]})
    msgs = list(dns.query.xfr(d.host, "mesos.", port=d.port, keyring=ring,
                              keyname=KEY[0], keyalgorithm="hmac-sha256", lifetime=20))
    assert len(msgs) > 1
    assert all(mm.had_tsig for mm in msgs)
    n = sum(len(rrset) for mm in msgs for rrset in mm.answer)
    assert n > 2500

    wrong = dns.tsigkeyring.from_text({WRONG[0]: WRONG[1]})
    with pytest.raises((dns.query.TransferError, dns.tsig.PeerBadSignature,
                        dns.tsig.PeerError)):
        list(dns.query.xfr(d.host, "mesos.", port=d.port, keyring=wrong,
                           keyname=WRONG[0], keyalgorithm="hmac-sha256", lifetime=10))
    raw = raw_xfr(d, "AXFR", keyring=wrong, keyname=WRONG[0])
    assert raw[0].rcode() == dns.rcode.NOTAUTH and not raw[0].answer
    other = dns.tsigkeyring.from_text({"other-key.": KEY[1]})
    raw = raw_xfr(d, "AXFR", keyring=other, keyname="other-key.")
    assert raw[0].rcode() == dns.rcode.NOTAUTH and not raw[0].answer
    raw = raw_xfr(d, "AXFR")
    assert raw[0].rcode() == dns.rcode.REFUSED and not raw[0].answer

    status, cfg = d.get_json("/v1/config")
    assert cfg["ZoneTransferTSIG"] == {"Name": KEY[0], "Secret": "******"}
    assert KEY[1] not in d.log_text()


def test_tsig_knot_secondary(tmp_path, v1_factory, daemon_factory):
    """Knot with the key transfers the zone; Knot with a wrong key cannot."""
    m = v1_factory(rich_cluster().state)
    d = start_daemon(daemon_factory, m, config=xfr_config(tsig=KEY))
    good = KnotSecondary(tmp_path / "good", "127.0.0.1", harness.free_port(), "mesos",
                         d.host, d.port, tsig=KEY).start()
    bad = KnotSecondary(tmp_path / "bad", "127.0.0.1", harness.free_port(), "mesos",
                        d.host, d.port, tsig=WRONG).start()
    try:
        wait_serial(good, soa_serial_of(lambda *a, **kw: d.dns(*a, **kw)))
        assert_same_answers(d, good)
        harness.wait_until(lambda: "TSIG error 16" in d.log_text(), 15, 0.1,
                           "the wrong key refused\n" + bad.log_text()[-2000:])
        r = bad.ask("web.marathon.mesos.", "A")
        assert r.rcode() != dns.rcode.NOERROR or not r.answer
    finally:
        good.stop()
        bad.stop()


def secondaries_follow_events(tmp_path, v1_factory, daemon_factory, kinds):
    """Start the daemon (events on) with secondaries of each kind that it
    notifies; add and kill tasks at the master; returns the latencies (s)
    until every secondary answered each change, and the secondaries."""
    c = rich_cluster()
    m = v1_factory(c.state)
    secs = []
    ports = [harness.free_port() for _ in kinds]
    cfg = xfr_config(notify=["127.0.0.1:%d" % p for p in ports],
                     serial_file=tmp_path / "serial")
    d = start_daemon(daemon_factory, m, config=cfg)
    for kind, port in zip(kinds, ports):
        cls = KnotSecondary if kind == "knot" else NsdSecondary
        secs.append(cls(tmp_path / kind, "127.0.0.1", port, "mesos", d.host, d.port).start())
    latencies = []
    try:
        serial = soa_serial_of(lambda *a, **kw: d.dns(*a, **kw))
        for s in secs:
            wait_serial(s, serial, 20)
            assert_same_answers(d, s)
        for i in range(3):
            name = "ev%d" % i
            c.add_task("ev%d.1" % i, name, ip="10.55.0.%d" % (i + 1))
            t0 = time.monotonic()
            m.set_state(c.state)
            latencies.append(("add", [wait_secondary(s, name, {"10.55.0.%d" % (i + 1)}, t0)
                                      for s in secs]))
            time.sleep(0.3)
        c.kill("ev0.1")
        t0 = time.monotonic()
        m.set_state(c.state)
        latencies.append(("kill", [wait_secondary(s, "ev0", set(), t0) for s in secs]))
        for s in secs:
            assert_same_answers(d, s)
    finally:
        for s in secs:
            s.stop()
    return latencies, secs, d


def wait_secondary(sec, name, want, t0, timeout=10.0):
    """Seconds from t0 until the secondary answers name.marathon.mesos. A
    with `want` (empty: NXDOMAIN)."""
    qname = "%s.marathon.mesos." % name
    while True:
        try:
            r = sec.ask(qname, "A", timeout=0.3)
            got = answer_set(r, "A")
            if (want and got == want) or (not want and r.rcode() == dns.rcode.NXDOMAIN):
                return time.monotonic() - t0
        except (OSError, dns.exception.DNSException):
            pass
        if time.monotonic() - t0 > timeout:
            raise AssertionError("%s: not %s after %.1f s\n%s" % (
                qname, want or "NXDOMAIN", timeout, sec.log_text()[-3000:]))
        time.sleep(0.005)


def test_knot_follows_events_by_notify_and_ixfr(tmp_path, v1_factory, daemon_factory):
    """A task added or killed at the master is answered by a Knot
    secondary within 1 s (5 s allowed on this busy machine), told by
    NOTIFY and fetched by IXFR, not AXFR."""
    lat, (k,), d = secondaries_follow_events(tmp_path, v1_factory, daemon_factory, ["knot"])
    print("knot latencies (s):", lat)
    assert_ixfr_used(d, k.log_text(), r"\] AXFR, incoming.*started", "AXFR-style")


def assert_ixfr_used(d, sec_log, axfr_marker, fallback_marker):
    """After the first load every change came by IXFR answered from our
    journal: the daemon logged incremental IXFRs and no full ones, the
    secondary one AXFR (its first load) and no AXFR-style IXFR."""
    ours = d.log_text()
    assert re.search(r"xfr: IXFR from 127\.0\.0\.1: serial \d+ -> \d+, incremental", ours), ours
    assert "full zone" not in ours, ours
    assert len(re.findall(axfr_marker, sec_log)) == 1, sec_log[-3000:]
    assert fallback_marker not in sec_log, sec_log[-3000:]


def test_knot_and_nsd_follow_events(tmp_path, v1_factory, daemon_factory):
    """Knot and NSD side by side: both load the zone by AXFR, answer every
    name as we do, and answer each task added or killed within 1 s (5 s
    allowed here) by NOTIFY and IXFR."""
    lat, (k, n), d = secondaries_follow_events(tmp_path, v1_factory, daemon_factory,
                                               ["knot", "nsd"])
    print("knot, nsd latencies (s):", lat)
    assert len(re.findall(r"\] AXFR, incoming.*started", k.log_text())) == 1
    assert "AXFR-style" not in k.log_text()
    # NSD logs the size of every transfer: the first is the whole zone,
    # every later one a few hundred bytes (IXFR), and we answered no IXFR
    # with the full zone.
    sizes = [int(x) for x in re.findall(r"received update to serial \d+ .* of (\d+) bytes",
                                        n.log_text())]
    assert len(sizes) >= 2 and sizes[0] > 4096, n.log_text()[-3000:]
    assert all(s < 1024 for s in sizes[1:]), sizes
    assert "full zone" not in d.log_text()
