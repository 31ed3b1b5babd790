"""test_forward.py -- names outside the domain, forwarded to real upstreams.

What a client of mesos-dns sees when it asks for a name that is not under
the Mesos domain (spec dns.md sections 3 and 6, config.md resolvers,
zoneResolvers, timeout, externalon, recurseon; the improvements of
issue 6 over gaps #15): the upstream's own answer, the original's REFUSED
and SERVFAIL shapes, the upstream order and timeout, a truncated upstream
answer fetched again over TCP, spoofed replies ignored, rate-limited
failure logs, the optional cache, and authoritative answers that never
wait behind a slow upstream.

Upstreams (tests/system/upstream.py), all on loopback addresses of their
own (127.0.0.2 and up; the daemon is on 127.0.0.1):
  * two knotd instances serving zone files written here -- the answer of
    the daemon must equal the answer of asking knot directly;
  * FakeUpstream, a dnspython server in this process that misbehaves on
    purpose and counts the queries it gets.
"""

import os
import re
import socket
import struct
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import harness
from harness import LogCursor
from upstream import KNOTD, SPOOF_ADDR, FakeUpstream, Knot, ask

KNOT_A_HOST = "127.0.0.2"     # default resolver: example.test., corp.test.
KNOT_B_HOST = "127.0.0.3"     # corp.test.'s zone resolver, other data
FAKE_HOSTS = ["127.0.0.%d" % i for i in range(4, 10)]

BIG_STRINGS = 4               # one TXT RR of 4 x 200 octets: ~850-octet answer
HUGE_RRS = 10                 # 10 TXT RRs of 250 octets: ~2700-octet answer

EXAMPLE_ZONE = """$ORIGIN example.test.
$TTL 300
@      SOA   ns1 hostmaster 1 3600 600 86400 5
@      NS    ns1
ns1    A     192.0.2.53
www    A     192.0.2.10
www    A     192.0.2.11
www    AAAA  2001:db8::10
www    AAAA  2001:db8::11
@      MX    10 mail
@      MX    20 mail2
mail   A     192.0.2.25
mail2  A     192.0.2.26
txt    TXT   "hello world" "second string"
alias  CNAME www
big    TXT   %s
%s
""" % (" ".join('"%s"' % (chr(ord("a") + i) * 200) for i in range(BIG_STRINGS)),
       "\n".join('huge   TXT   "%s"' % (chr(ord("a") + i) * 250) for i in range(HUGE_RRS)))

CORP_ZONE_A = """$ORIGIN corp.test.
$TTL 300
@      SOA   ns1 hostmaster 1 3600 600 86400 5
@      NS    ns1
ns1    A     192.0.2.53
www    A     192.0.2.1
"""

CORP_ZONE_B = """$ORIGIN corp.test.
$TTL 120
@      SOA   ns1 hostmaster 7 3600 600 86400 5
@      NS    ns1
ns1    A     198.51.100.53
www    A     198.51.100.1
only-b A     198.51.100.2
"""

FORWARD_TIMEOUT = 1           # the daemon's `timeout` (s) where it matters
SKIP_TIMEOUT = 2              # where a test times one: less than 2x apart


SANITIZED = harness.sanitized()

# --------------------------------------------------------------------------
# fixtures


def start_knot(tmp_path_factory, name, host, zones):
    """A started knotd on a free port of host serving zones; skips the test
    when knotd is not installed."""
    if not os.access(KNOTD, os.X_OK):
        pytest.skip("%s not installed (Debian package knot, see scripts/deps.sh)" % KNOTD)
    k = Knot(tmp_path_factory.mktemp(name), host, harness.free_port(host), zones)
    k.start()
    return k


@pytest.fixture(scope="module")
def knot_a(tmp_path_factory):
    k = start_knot(tmp_path_factory, "knot-a", KNOT_A_HOST,
                   {"example.test.": EXAMPLE_ZONE, "corp.test.": CORP_ZONE_A})
    yield k
    k.stop()


@pytest.fixture(scope="module")
def knot_b(tmp_path_factory):
    k = start_knot(tmp_path_factory, "knot-b", KNOT_B_HOST, {"corp.test.": CORP_ZONE_B})
    yield k
    k.stop()


@pytest.fixture(scope="module")
def knot_daemon(tmp_path_factory, mdns_bin, knot_a, knot_b):
    """One daemon for the comparison tests: resolvers [knot A], corp.test.
    to knot B, recurseon true (the default)."""
    m = harness.FakeMaster(tmp_path_factory.mktemp("kd-master")).start()
    d = harness.Daemon(tmp_path_factory.mktemp("kd-daemon"), master=m, binary=mdns_bin,
                       config={"externalon": True, "resolvers": [knot_a.address],
                               "zoneResolvers": {"corp.test": [knot_b.address]},
                               "timeout": 2})
    d.start()
    try:
        d.wait_ready()
        yield d
    finally:
        d.stop()
        m.stop()
        print(d.log_text()[-4000:])


@pytest.fixture
def upstreams():
    """upstreams(**kw) -> a started FakeUpstream on the next free 127.0.0.x."""
    started = []

    def make(host=None, port=None, **kw):
        host = host or FAKE_HOSTS[len(started)]
        u = FakeUpstream(host, port or harness.free_port(host), **kw)
        started.append(u)
        return u.start()

    yield make
    for u in started:
        u.stop()


def fwd_config(resolvers, **extra):
    cfg = {"externalon": True, "resolvers": resolvers, "timeout": FORWARD_TIMEOUT}
    cfg.update(extra)
    return cfg


def dead_udp_tcp_port(host):
    """A port on host where nothing listens (ICMP unreachable / RST)."""
    return harness.closed_port(host)


# --------------------------------------------------------------------------
# comparing messages


def section_text(msg, section):
    return sorted(line for rrset in getattr(msg, section)
                  for line in rrset.to_text().splitlines())


def assert_same_answer(got, want):
    """got (through mesos-dns) says exactly what want (from the upstream) says."""
    assert dns.rcode.to_text(got.rcode()) == dns.rcode.to_text(want.rcode())
    assert dns.flags.to_text(got.flags) == dns.flags.to_text(want.flags)
    assert got.question == want.question
    for section in ("answer", "authority", "additional"):
        assert section_text(got, section) == section_text(want, section), section
    assert got.edns == want.edns
    if want.edns >= 0:
        assert got.payload == want.payload
        assert got.options == want.options
        assert got.ednsflags == want.ednsflags


def values(msg, rdtype="A"):
    return harness.rrset_values(msg, "answer", rdtype)


def assert_rcode_shape(reply, query_wire, rcode):
    """The original's SetRcode reply: the query's ID, QR, opcode, RD and CD
    copied, AA=RA=TC=0, rcode, the first question byte for byte, nothing
    else."""
    assert reply is not None, "no reply"
    qflags = int.from_bytes(query_wire[2:4], "big")
    assert reply[:2] == query_wire[:2]
    flags = int.from_bytes(reply[2:4], "big")
    assert flags == 0x8000 | (qflags & 0x7800) | (qflags & 0x0110) | rcode, hex(flags)
    assert reply[4:12] == b"\x00\x01\x00\x00\x00\x00\x00\x00"
    qend = 12
    while query_wire[qend]:
        qend += query_wire[qend] + 1
    qend += 5
    assert reply[12:] == query_wire[12:qend]


# --------------------------------------------------------------------------
# the upstream's answer, unchanged


IDENTICAL_CASES = [
    ("www.example.test.", "A"),
    ("www.example.test.", "AAAA"),
    ("example.test.", "MX"),            # with additional A records
    ("txt.example.test.", "TXT"),
    ("alias.example.test.", "CNAME"),
    ("alias.example.test.", "A"),       # CNAME and its target's A
    ("missing.example.test.", "A"),     # NXDOMAIN, SOA in authority
    ("www.example.test.", "MX"),        # NODATA
    ("WwW.ExAmPlE.TeSt.", "A"),         # case kept as the upstream keeps it
    ("www.corp.test.", "A"),            # zone resolver (knot B)
]


@pytest.mark.parametrize("edns", [None, 1232], ids=["noedns", "edns"])
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
@pytest.mark.parametrize("qname,rdtype", IDENTICAL_CASES,
                         ids=["%s-%s" % c for c in IDENTICAL_CASES])
def test_forward_answer_identical_to_upstream(knot_daemon, knot_a, knot_b, qname, rdtype,
                                              tcp, edns):
    upstream = knot_b if qname.lower().endswith("corp.test.") else knot_a
    want = upstream.ask(qname, rdtype, tcp=tcp, edns=edns)
    got = knot_daemon.dns(qname, rdtype, tcp=tcp, edns=edns)
    assert_same_answer(got, want)
    # knot is authoritative, not recursive: RA is knot's (0), not RecurseOn.
    assert got.flags & dns.flags.AA
    assert not got.flags & dns.flags.RA


def test_forward_flags_without_rd(knot_daemon, knot_a):
    """RD clear and CD set in the query: the upstream sees (and echoes)
    them, and so does the client."""
    flags = dns.flags.CD
    for tcp in (False, True):
        want = knot_a.ask("www.example.test.", "A", tcp=tcp, flags=flags)
        got = knot_daemon.dns("www.example.test.", "A", tcp=tcp, flags=flags)
        assert_same_answer(got, want)
        assert not got.flags & dns.flags.RD


def test_forward_ra_is_upstreams_not_recurseon(daemon_factory, master, upstreams):
    """recurseon false: authoritative answers have RA=0, a forwarded answer
    keeps the upstream's RA=1 (dns.md section 6)."""
    u = upstreams(default_a="192.0.2.44", ra=True)
    d = daemon_factory(master=master, config=fwd_config([u.address], recurseon=False))
    for tcp in (False, True):
        r = d.dns("www.example.org.", "A", tcp=tcp)
        assert values(r) == {"192.0.2.44"}
        assert r.flags & dns.flags.RA
        auth = d.dns("web.marathon.mesos.", "A", tcp=tcp)
        assert auth.flags & dns.flags.AA and not auth.flags & dns.flags.RA


def test_forward_keeps_the_clients_transport(daemon_factory, master, upstreams):
    u = upstreams(default_a="192.0.2.45")
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    assert values(d.dns("viaudp.example.org.", "A")) == {"192.0.2.45"}
    assert values(d.dns("viatcp.example.org.", "A", tcp=True)) == {"192.0.2.45"}
    assert u.count("viaudp.example.org", "udp") == 1
    assert u.count("viaudp.example.org", "tcp") == 0
    assert u.count("viatcp.example.org", "tcp") == 1
    assert u.count("viatcp.example.org", "udp") == 0


def test_forward_upstream_sees_random_ids_and_ports(daemon_factory, master, upstreams):
    """The client's ID comes back to the client; the upstream sees a fresh
    random ID and source port per query."""
    u = upstreams(default_a="192.0.2.46")
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    for i in range(20):
        q = dns.message.make_query("r%d.example.org." % i, "A")
        q.id = 4242
        r = dns.query.udp(q, d.host, port=d.port, timeout=2)
        assert r.id == 4242 and values(r) == {"192.0.2.46"}
    log = u.log()
    assert len(log) == 20
    assert len({e["id"] for e in log}) >= 18
    assert len({e["src"][1] for e in log}) >= 18


# --------------------------------------------------------------------------
# which upstream


def test_forward_zone_resolvers_route_by_zone(daemon_factory, master, upstreams):
    """Names under a zoneResolvers zone go to that zone's resolvers, label
    aligned and case-insensitively; everything else outside the domain to
    `resolvers`; the domain stays authoritative.  A zone key with capitals
    never matches (gaps #22, kept on purpose)."""
    u0 = upstreams(default_a="192.0.2.100")
    u1 = upstreams(default_a="192.0.2.101")
    u2 = upstreams(default_a="192.0.2.102")
    u3 = upstreams(default_a="192.0.2.103")
    d = daemon_factory(master=master, config=fwd_config(
        [u0.address], zoneResolvers={"one.test": [u1.address], "two.test": [u2.address],
                                     "Three.test": [u3.address]}))
    expect = {
        "www.one.test.": "192.0.2.101",
        "one.test.": "192.0.2.101",
        "a.b.c.one.test.": "192.0.2.101",
        "WWW.One.TEST.": "192.0.2.101",
        "mesos.one.test.": "192.0.2.101",
        "www.two.test.": "192.0.2.102",
        "www.xone.test.": "192.0.2.100",
        "xone.test.": "192.0.2.100",
        "test.": "192.0.2.100",
        "www.example.org.": "192.0.2.100",
        "one.test.example.org.": "192.0.2.100",
        "www.three.test.": "192.0.2.100",
        "mesos.org.": "192.0.2.100",
    }
    for tcp in (False, True):
        for name, addr in expect.items():
            r = d.dns(name, "A", tcp=tcp)
            assert values(r) == {addr}, (name, tcp)
        r = d.dns("web.marathon.mesos.", "A", tcp=tcp)
        assert r.flags & dns.flags.AA and values(r) == {"10.0.0.3"}
        r = d.dns("nothing.one.mesos.", "A", tcp=tcp)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA
    assert u3.count() == 0
    assert u1.count() == 2 * 5 and u2.count() == 2


def test_forward_zone_under_the_domain_is_rejected(daemon_factory, master, upstreams):
    """The domain is always answered authoritatively: the original refuses a
    zoneResolvers zone under it (".sub.mesos is masked by .mesos", exit 1)."""
    u = upstreams(default_a="192.0.2.104")
    d = daemon_factory(master=master, ready=False, config=fwd_config(
        [u.address], zoneResolvers={"sub.mesos": [u.address]}))
    try:
        status = d.wait_exit(3)
    except AssertionError:
        # It started: then at least names under the domain must stay ours.
        d.wait_ready()
        r = d.dns("web.sub.mesos.", "A")
        assert r.flags & dns.flags.AA and u.count() == 0, \
            "a name under the domain was forwarded"
        pytest.fail("zoneResolvers zone sub.mesos under domain mesos accepted")
    assert status == 1
    assert re.search(r"ambiguous zone resolvers: \.?sub\.mesos is masked by \.?mesos",
                     d.stderr_text()), d.stderr_text()


def test_forward_nested_zones_are_rejected(daemon_factory, master, upstreams):
    """Zones never nest (the original refuses it at start), so the longest
    match is always between one zone, the domain and the root."""
    u = upstreams(default_a="192.0.2.106")
    d = daemon_factory(master=master, ready=False, config=fwd_config(
        [u.address], zoneResolvers={"one.test": [u.address], "a.one.test": [u.address]}))
    assert d.wait_exit(5) == 1
    assert re.search(r"ambiguous zone resolvers: \.?a\.one\.test is masked by \.?one\.test",
                     d.stderr_text()), d.stderr_text()


def test_forward_externalon_false_refused(daemon_factory, master, upstreams):
    """externalon false: every name outside the domain is REFUSED in the
    SetRcode shape, no upstream is asked, the domain is still served."""
    u = upstreams(default_a="192.0.2.105")
    d = daemon_factory(master=master, config={
        "externalon": False, "resolvers": [u.address],
        "zoneResolvers": {"one.test": [u.address]}})
    for tcp in (False, True):
        for name in ("www.example.org.", "www.one.test.", "Mixed.Case.ORG."):
            for flags in (dns.flags.RD, dns.flags.CD, 0):
                q = dns.message.make_query(name, "AAAA")
                q.flags = flags
                wire = q.to_wire()
                assert_rcode_shape(d.dns_raw(wire, tcp=tcp), wire, dns.rcode.REFUSED)
        r = d.dns("web.marathon.mesos.", "A", tcp=tcp)
        assert values(r) == {"10.0.0.3"}
    assert u.count() == 0


# --------------------------------------------------------------------------
# dead upstreams


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_forward_silent_first_resolver_skipped_within_timeout(daemon_factory, master,
                                                              upstreams, knot_a, tcp):
    dead = upstreams(mode="silent")
    d = daemon_factory(master=master, config=fwd_config([dead.address, knot_a.address],
                                                        timeout=SKIP_TIMEOUT))
    want = knot_a.ask("www.example.test.", "A", tcp=tcp)
    t0 = time.monotonic()
    got = d.dns("www.example.test.", "A", tcp=tcp, timeout=SKIP_TIMEOUT * 2 + 3)
    took = time.monotonic() - t0
    assert_same_answer(got, want)
    # One timeout, not two; the rest is room for a busy machine.
    assert SKIP_TIMEOUT - 0.1 <= took < SKIP_TIMEOUT * 2, took
    assert dead.count("www.example.test", "tcp" if tcp else "udp") == 1


def test_forward_timeout_zero_means_five_seconds(daemon_factory, master, upstreams):
    dead = upstreams(mode="silent")
    good = upstreams(default_a="192.0.2.107")
    d = daemon_factory(master=master, config=fwd_config([dead.address, good.address],
                                                        timeout=0))
    t0 = time.monotonic()
    r = d.dns("zero.example.org.", "A", timeout=12)
    took = time.monotonic() - t0
    assert values(r) == {"192.0.2.107"}
    assert 4.9 <= took < 9.5, took


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_forward_closed_first_resolver_skipped_at_once(daemon_factory, master, knot_a, tcp):
    """Nothing listens on the first resolver's port: ICMP unreachable (UDP)
    or RST (TCP) moves on at once, without waiting for the timeout."""
    host = FAKE_HOSTS[0]
    closed = "%s:%d" % (host, dead_udp_tcp_port(host))
    d = daemon_factory(master=master, config=fwd_config([closed, knot_a.address],
                                                        timeout=3))
    want = knot_a.ask("www.example.test.", "AAAA", tcp=tcp)
    t0 = time.monotonic()
    got = d.dns("www.example.test.", "AAAA", tcp=tcp, timeout=5)
    # At once: well before the 3 s timeout.
    assert time.monotonic() - t0 < 2.0
    assert_same_answer(got, want)


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_forward_all_resolvers_dead_servfail(daemon_factory, master, upstreams, tcp):
    """Every upstream fails: SERVFAIL in the original's SetRcode shape
    (question echoed as sent, nothing else), after one timeout per silent
    upstream."""
    dead = upstreams(mode="silent")
    closed = "%s:%d" % (FAKE_HOSTS[1], dead_udp_tcp_port(FAKE_HOSTS[1]))
    d = daemon_factory(master=master, config=fwd_config([dead.address, closed],
                                                        timeout=SKIP_TIMEOUT))
    q = dns.message.make_query("WwW.Example.ORG.", "MX")
    q.flags = dns.flags.RD | dns.flags.CD
    wire = q.to_wire()
    t0 = time.monotonic()
    reply = d.dns_raw(wire, tcp=tcp, timeout=SKIP_TIMEOUT * 2 + 3)
    took = time.monotonic() - t0
    assert_rcode_shape(reply, wire, dns.rcode.SERVFAIL)
    assert SKIP_TIMEOUT - 0.1 <= took < SKIP_TIMEOUT * 2, took
    # with EDNS0 in the query: still SERVFAIL, question echoed
    r = d.dns("www.example.org.", "A", tcp=tcp, edns=1232, timeout=FORWARD_TIMEOUT + 3)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert not r.answer and not r.authority
    assert not r.flags & (dns.flags.AA | dns.flags.RA | dns.flags.TC)


def test_forward_failures_logged_rate_limited(daemon_factory, master):
    """Many failing queries: every client gets SERVFAIL, the log gets a
    handful of lines, not one per query."""
    host = FAKE_HOSTS[2]
    closed = "%s:%d" % (host, dead_udp_tcp_port(host))
    d = daemon_factory(master=master, config=fwd_config([closed]))
    cur = LogCursor(d)
    for i in range(200):
        r = d.dns("fail%d.example.org." % i, "A", timeout=3)
        assert r.rcode() == dns.rcode.SERVFAIL
    for i in range(30):
        r = d.dns("tfail%d.example.org." % i, "A", tcp=True, timeout=3)
        assert r.rcode() == dns.rcode.SERVFAIL
    time.sleep(0.3)
    text = cur.text()
    lines = [l for l in text.splitlines() if l.strip()]
    assert any(host in l for l in lines), "no failure logged:\n" + text
    assert len(lines) <= 5, "%d log lines for 230 failures:\n%s" % (len(lines), text)


# --------------------------------------------------------------------------
# truncation


def test_forward_truncated_udp_answer_retried_over_tcp(daemon_factory, master, upstreams):
    """The upstream truncates over UDP (TC=1, nothing in it): the daemon asks
    it again over TCP and the UDP client gets the complete answer."""
    u = upstreams(mode="truncate_udp",
                  records={("tc.example.org.", "A"): (300, ["192.0.2.61", "192.0.2.62"])})
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    r = d.dns("tc.example.org.", "A")
    assert not r.flags & dns.flags.TC
    assert values(r) == {"192.0.2.61", "192.0.2.62"}
    assert u.count("tc.example.org", "udp") == 1
    assert u.count("tc.example.org", "tcp") == 1
    want = ask(u.host, u.port, "tc.example.org.", "A", tcp=True)
    assert_same_answer(r, want)


def test_forward_tcp_reply_in_pieces(daemon_factory, master, upstreams):
    """The upstream's TCP reply arrives in pieces (one octet of the length,
    then part of the message, then the rest): it is put together."""
    recs = {("dribble.example.org.", "TXT"): (300, ['"%s"' % ("x" * 200)] * 1 +
                                                   ['"%s"' % ("y" * 200)])}
    u = upstreams(mode="tcp_dribble", records=recs)
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    want = ask(u.host, u.port, "dribble.example.org.", "TXT", tcp=True)
    for tcp in (False, True):
        r = d.dns("dribble.example.org.", "TXT", tcp=tcp, edns=1232, timeout=3)
        assert section_text(r, "answer") == section_text(want, "answer")
        assert not r.flags & dns.flags.TC


def test_forward_tcp_replies_in_query_order(daemon_factory, master, upstreams):
    """Two queries in one TCP write, a slow forwarded one first: the replies
    come back in the order asked (dns.md section 1), both complete."""
    u = upstreams(default_a="192.0.2.91", delay=0.3)
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    q1 = dns.message.make_query("first.example.org.", "A")
    q2 = dns.message.make_query("web.marathon.mesos.", "A")
    w1, w2 = q1.to_wire(), q2.to_wire()
    with socket.create_connection((d.host, d.port), timeout=3) as s:
        s.sendall(len(w1).to_bytes(2, "big") + w1 + len(w2).to_bytes(2, "big") + w2)
        r1 = dns.message.from_wire(_read_tcp(s))
        r2 = dns.message.from_wire(_read_tcp(s))
    assert r1.id == q1.id and values(r1) == {"192.0.2.91"}
    assert r2.id == q2.id and values(r2) == {"10.0.0.3"}


def test_forward_big_answer_tc_over_udp_full_over_tcp(knot_daemon, knot_a):
    """An ~850-octet answer to a client without EDNS0: over UDP only TC and
    the question (the client must retry), over TCP all of it."""
    r = knot_daemon.dns("big.example.test.", "TXT")
    assert r.flags & dns.flags.TC
    assert r.rcode() == dns.rcode.NOERROR
    assert r.question == knot_a.ask("big.example.test.", "TXT", tcp=True).question
    assert len(r.to_wire()) <= 512
    full = knot_daemon.dns("big.example.test.", "TXT", tcp=True)
    assert_same_answer(full, knot_a.ask("big.example.test.", "TXT", tcp=True))
    assert len(full.to_wire()) > 512


def test_forward_big_answer_fits_clients_edns_size(knot_daemon, knot_a):
    """The same answer to a client with an EDNS0 size of 1232: all of it
    over UDP."""
    r = knot_daemon.dns("big.example.test.", "TXT", edns=1232)
    assert not r.flags & dns.flags.TC
    assert_same_answer(r, knot_a.ask("big.example.test.", "TXT", edns=1232))
    assert len(r.to_wire()) > 512


def test_forward_huge_answer_truncated_upstream_then_tcp(knot_daemon, knot_a):
    """~2700 octets: knot truncates over UDP; the daemon fetches it over
    TCP.  A client with EDNS0 1232 gets TC over UDP, and so does one with
    4096, because UDP answers are capped at EDNS0MaxUDPSize (1232 by
    default, as our own answers); over TCP every client gets all of it."""
    want = knot_a.ask("huge.example.test.", "TXT", tcp=True, edns=1232)
    assert len(want.answer[0]) == HUGE_RRS
    r = knot_daemon.dns("huge.example.test.", "TXT", edns=1232)
    assert r.flags & dns.flags.TC and not r.answer
    assert knot_a.ask("huge.example.test.", "TXT", edns=4096).flags & dns.flags.TC
    r = knot_daemon.dns("huge.example.test.", "TXT", edns=4096)
    assert r.flags & dns.flags.TC and not r.answer
    r = knot_daemon.dns("huge.example.test.", "TXT", tcp=True, edns=1232)
    assert_same_answer(r, want)


def test_forward_tc_reply_keeps_edns(knot_daemon):
    """A query with EDNS0 whose forwarded answer does not fit gets TC and an
    OPT record back (RFC 6891 section 7: a responder MUST include OPT when
    the request had one), as the upstream's own answer had."""
    r = knot_daemon.dns("huge.example.test.", "TXT", edns=1232)
    assert r.flags & dns.flags.TC
    assert r.edns == 0, "TC reply to an EDNS0 query without OPT"


# --------------------------------------------------------------------------
# spoofing


@pytest.mark.parametrize("mode", ["wrong_id", "wrong_question", "other_port", "other_addr"])
def test_forward_spoofed_reply_ignored(daemon_factory, master, upstreams, mode):
    """A forged reply (carrying 6.6.6.6) arrives 100 ms before the real one:
    with the wrong ID, for another question, from another port of the
    upstream's address, or from another address with the upstream's port.
    The client gets the real answer, never the forged one."""
    u = upstreams(mode=mode, records={("spoof.example.org.", "A"): (300, ["192.0.2.77"])})
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    for i in range(5):
        r = d.dns("spoof.example.org.", "A", timeout=3)
        assert values(r) == {"192.0.2.77"}, r.to_text()
        assert SPOOF_ADDR not in r.to_text()
    assert u.count("spoof.example.org", "udp") == 5
    assert u.count("spoof.example.org", "tcp") == 0


# --------------------------------------------------------------------------
# cache


def test_forward_cache_answers_without_upstream(daemon_factory, master, upstreams):
    """ForwardCacheSize > 0: the second query is answered from the cache
    (the upstream is not asked again) with the TTL decreased by the time
    spent in it, over UDP and TCP alike; the client's ID comes back."""
    u = upstreams(records={("cached.example.org.", "A"): (30, ["192.0.2.81"])})
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=100))
    r1 = d.dns("cached.example.org.", "A")
    assert values(r1) == {"192.0.2.81"} and r1.answer[0].ttl == 30
    time.sleep(1.2)
    r2 = d.dns("cached.example.org.", "A")
    assert values(r2) == {"192.0.2.81"}
    assert 27 <= r2.answer[0].ttl <= 29, r2.answer[0].ttl
    r3 = d.dns("cached.example.org.", "A", tcp=True)
    assert values(r3) == {"192.0.2.81"} and r3.answer[0].ttl <= 29
    assert u.count("cached.example.org") == 1
    assert r2.flags == r1.flags and r2.rcode() == r1.rcode()


def test_forward_cache_expires_with_ttl(daemon_factory, master, upstreams):
    u = upstreams(records={("short.example.org.", "A"): (2, ["192.0.2.82"])})
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=100))
    assert values(d.dns("short.example.org.", "A")) == {"192.0.2.82"}
    assert values(d.dns("short.example.org.", "A")) == {"192.0.2.82"}
    assert u.count("short.example.org") == 1
    time.sleep(2.3)
    r = d.dns("short.example.org.", "A")
    assert values(r) == {"192.0.2.82"} and r.answer[0].ttl == 2
    assert u.count("short.example.org") == 2


def test_forward_cache_negative_for_soa_minimum(daemon_factory, master, upstreams):
    """An NXDOMAIN is cached for min(SOA TTL, SOA MINIMUM) (RFC 2308), here
    2 s, and then asked for again."""
    u = upstreams(soa_ttl=300, neg_ttl=2)
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=100))
    r1 = d.dns("nx.example.org.", "A")
    assert r1.rcode() == dns.rcode.NXDOMAIN and r1.authority
    r2 = d.dns("nx.example.org.", "A")
    assert r2.rcode() == dns.rcode.NXDOMAIN
    assert section_text(r2, "authority") == section_text(r1, "authority")
    assert u.count("nx.example.org") == 1
    time.sleep(2.3)
    r3 = d.dns("nx.example.org.", "A")
    assert r3.rcode() == dns.rcode.NXDOMAIN
    assert u.count("nx.example.org") == 2


def _cache_hit(daemon_factory, master, upstreams, qname, flags, first_flags=None):
    """Fill the cache with echo.example.org. A (RD set, or first_flags),
    then ask again as (qname, flags) over UDP and TCP; yields (query wire,
    reply wire)."""
    u = upstreams(records={("echo.example.org.", "A"): (300, ["192.0.2.84"])})
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=100))
    q1 = dns.message.make_query("echo.example.org.", "A")
    if first_flags is not None:
        q1.flags = first_flags
    assert values(dns.query.udp(q1, d.host, port=d.port, timeout=2)) == {"192.0.2.84"}
    out = []
    for tcp in (False, True):
        q2 = dns.message.make_query(qname, "A")
        q2.flags = flags
        wire = q2.to_wire()
        reply = d.dns_raw(wire, tcp=tcp)
        assert u.count("echo.example.org") == 1, "not answered from the cache"
        assert values(dns.message.from_wire(reply)) == {"192.0.2.84"}
        out.append((wire, reply))
    return out


def test_forward_cache_hit_echoes_the_question_as_asked(daemon_factory, master, upstreams):
    """A cached answer answers *this* query: its question spelled as this
    client spelled it (clients and resolvers that randomise case, 0x20,
    compare it byte for byte, as they would with any server)."""
    for wire, reply in _cache_hit(daemon_factory, master, upstreams,
                                  "eChO.ExAmPlE.oRg.", dns.flags.RD):
        assert reply[12:len(wire)] == wire[12:], \
            "question not echoed as asked: %r" % reply[12:len(wire)]


def test_forward_cache_hit_copies_rd_cd(daemon_factory, master, upstreams):
    """RD and CD of a cache hit are this query's, not the first asker's
    (CD is part of the cache key: an answer checked upstream is never
    served to a CD=1 client and back, so the first asker sets CD too)."""
    for wire, reply in _cache_hit(daemon_factory, master, upstreams,
                                  "echo.example.org.", dns.flags.CD,
                                  first_flags=dns.flags.RD | dns.flags.CD):
        r = dns.message.from_wire(reply)
        assert r.id == int.from_bytes(wire[:2], "big")
        assert not r.flags & dns.flags.RD and r.flags & dns.flags.CD, \
            dns.flags.to_text(r.flags)


def test_forward_cache_is_bounded_lru(daemon_factory, master, upstreams):
    """ForwardCacheSize 2: a third name pushes out the least recently used."""
    recs = {("c%d.example.org." % i, "A"): (300, ["192.0.2.%d" % (110 + i)]) for i in range(3)}
    u = upstreams(records=recs)
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=2))
    for i in (0, 1, 0, 2):            # c1 is now the least recently used
        assert values(d.dns("c%d.example.org." % i, "A")) == {"192.0.2.%d" % (110 + i)}
    for i in (0, 2, 1):
        assert values(d.dns("c%d.example.org." % i, "A")) == {"192.0.2.%d" % (110 + i)}
    assert [u.count("c%d.example.org" % i) for i in range(3)] == [1, 2, 1]


def test_forward_no_cache_by_default(daemon_factory, master, upstreams):
    u = upstreams(records={("every.example.org.", "A"): (300, ["192.0.2.83"])})
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    for tcp in (False, True, False):
        r = d.dns("every.example.org.", "A", tcp=tcp)
        assert values(r) == {"192.0.2.83"} and r.answer[0].ttl == 300
    assert u.count("every.example.org") == 3


def _proc_stat(path):
    """(name, fields from the third on) of a /proc/.../stat file: the name
    is between the first "(" and the last ")", and may hold spaces."""
    with open(path) as f:
        stat = f.read()
    return (stat[stat.index("(") + 1:stat.rindex(")")],
            stat[stat.rindex(")") + 2:].split())


def _cpu_seconds(pid):
    fields = _proc_stat("/proc/%d/stat" % pid)[1]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime


def test_forward_tcp_client_reset_while_forwarding(daemon_factory, master, upstreams):
    """A TCP client resets its connection while its query waits 2 s for the
    upstream: the connection is closed at once, the daemon stays idle (a
    reset socket is reported by epoll even when nothing is asked of it; the
    TCP thread once spun on it until the upstream answered), and answers
    over TCP go on."""
    u = upstreams(default_a="192.0.2.92", delay=2.0)
    d = daemon_factory(master=master, config=fwd_config([u.address], timeout=3))
    s = socket.create_connection((d.host, d.port), timeout=3)
    w = dns.message.make_query("reset.example.org.", "A").to_wire()
    s.sendall(len(w).to_bytes(2, "big") + w)
    harness.wait_until(lambda: u.count() >= 1, 1.0, 0.005, "the query at the upstream")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                                           # RST
    cpu0 = _cpu_seconds(d.proc.pid)
    time.sleep(1.0)
    busy = _cpu_seconds(d.proc.pid) - cpu0
    assert busy < 0.5, "the daemon used %.2f CPU-s in 1 s after the reset" % busy
    assert values(d.dns("web.marathon.mesos.", "A", tcp=True)) == {"10.0.0.3"}


# --------------------------------------------------------------------------
# nothing waits for a slow upstream


def _udp_queries(host, port, names):
    socks = []
    for n in names:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(10)
        q = dns.message.make_query(n, "A")
        s.sendto(q.to_wire(), (host, port))
        socks.append((s, q))
    return socks


def _tcp_queries(host, port, names):
    conns = []
    for n in names:
        s = socket.create_connection((host, port), timeout=10)
        q = dns.message.make_query(n, "A")
        w = q.to_wire()
        s.sendall(len(w).to_bytes(2, "big") + w)
        conns.append((s, q))
    return conns


def _read_tcp(s):
    head = harness._recv_exact(s, 2)
    return harness._recv_exact(s, int.from_bytes(head, "big"))


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_forward_slow_upstream_does_not_block_authoritative(daemon_factory, master,
                                                            upstreams, tcp):
    """50 forwarded queries wait for an upstream that answers after 3 s;
    meanwhile authoritative queries (UDP and TCP) are answered at once
    (< 500 ms: a few ms, with room for a busy machine), and then all 50
    forwarded answers arrive."""
    u = upstreams(default_a="192.0.2.90", delay=3.0)
    d = daemon_factory(master=master, config=fwd_config([u.address], timeout=6))
    d.dns("warm.example.org.", "A", tcp=tcp, timeout=10)    # engine and upstream up
    names = ["slow%d.example.org." % i for i in range(50)]
    t0 = time.monotonic()
    pending = (_tcp_queries if tcp else _udp_queries)(d.host, d.port, names)
    harness.wait_until(lambda: u.count() >= 51, 2.0, 0.005, "50 queries at the upstream")
    for auth_tcp in (False, True):
        t1 = time.monotonic()
        r = d.dns("web.marathon.mesos.", "A", tcp=auth_tcp)
        took = time.monotonic() - t1
        assert values(r) == {"10.0.0.3"}
        assert took < 0.5, "authoritative answer took %.0f ms" % (took * 1000)
    assert time.monotonic() - t0 < 2.9, "the test itself was too slow to prove anything"
    for s, q in pending:
        wire = _read_tcp(s) if tcp else s.recv(4096)
        r = dns.message.from_wire(wire)
        assert r.id == q.id and r.question == q.question
        assert values(r) == {"192.0.2.90"}
        s.close()
    assert time.monotonic() - t0 < 15


def test_forward_full_table_servfail_at_once(daemon_factory, master, upstreams):
    """More queries than the forwarder holds (8192 in flight per engine, a
    queue of 1024 in front of it): the surplus is answered SERVFAIL at once
    (by the forwarder when its table is full, or by the UDP worker when the
    queue is), the rest SERVFAIL after the 2 s timeout; every query gets
    exactly one answer, authoritative answers keep coming, the daemon stays
    up and logs a few lines only."""
    u = upstreams(mode="silent")
    d = daemon_factory(master=master, config=fwd_config([u.address], timeout=5))
    n = 8192 + 300
    wires = []
    for i in range(n):
        q = dns.message.make_query("full%d.example.org." % i, "A")
        q.id = i
        wires.append(q.to_wire())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.settimeout(0.2)
    got = {}                            # id -> (rcode, seconds after t0)
    dup = []
    stop = threading.Event()

    def read():
        # Replies are read while the queries go out, so that the socket's
        # buffer never drops any.
        while not stop.is_set() and len(got) < n:
            try:
                r = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                continue
            if r.id in got:
                dup.append(r.id)
            got[r.id] = (r.rcode(), time.monotonic() - t0)

    reader = threading.Thread(target=read)
    t0 = time.monotonic()
    reader.start()
    try:
        for w in wires:
            s.sendto(w, (d.host, d.port))
        sent = time.monotonic() - t0
        # The upstream's timeout is 5 s from when the forwarder took a
        # query: what is answered before that cannot be a timeout.
        time.sleep(max(0.0, 4.5 - (time.monotonic() - t0)))
        early = {i: rc for i, (rc, at) in list(got.items()) if at < 4.5}
        t1 = time.monotonic()
        assert values(d.dns("web.marathon.mesos.", "A")) == {"10.0.0.3"}
        assert time.monotonic() - t1 < 1.0
        reader.join(20)
    finally:
        stop.set()
        reader.join()
        s.close()
    assert sent < 4.5, "sending took %.2f s: too slow to prove anything" % sent
    assert len(early) >= n - 8192, len(early)
    assert set(early.values()) == {dns.rcode.SERVFAIL}
    assert len(got) == n and not dup, (len(got), dup[:10])
    assert {rc for rc, _ in got.values()} == {dns.rcode.SERVFAIL}
    assert d.returncode is None
    assert len(d.log_text().splitlines()) <= 6, d.log_text()


SCHED_OTHER, SCHED_BATCH = 0, 3


def _thread_sched(pid):
    """{thread name: {(nice value, scheduling policy)}} of a process
    (/proc/PID/task/*/stat)."""
    out = {}
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            name, fields = _proc_stat("/proc/%d/task/%s/stat" % (pid, task))
        except FileNotFoundError:       # a look-up thread that just ended
            continue
        # fields 19 (nice) and 41 (policy)
        out.setdefault(name, set()).add((int(fields[16]), int(fields[38])))
    return out


def test_forwarder_and_refresh_yield_to_the_dns_workers(daemon_factory, master,
                                                         upstreams):
    """Under full load the authoritative answers come first: the forwarder,
    the refresh and the event stream run 10 nicer than the daemon (top -H
    shows it; at most 19) and as SCHED_BATCH (they do not preempt a worker
    when they wake up), the UDP and TCP servers at the daemon's own
    priority and policy."""
    u = upstreams(default_a="192.0.2.91")
    d = daemon_factory(master=master, config=fwd_config([u.address]))
    assert values(d.dns("yield.example.org.", "A")) == {"192.0.2.91"}
    sched = _thread_sched(d.proc.pid)
    ((base, policy),) = sched["mesos-dns"]  # the main thread: the process's own
    assert policy == SCHED_OTHER, sched
    background = {(min(19, base + 10), SCHED_BATCH)}
    assert sched.get("mdns-forward") == background, sched
    assert sched.get("mdns-refresh") == background, sched
    assert sched.get("mdns-stream") == background, sched
    assert sched.get("mdns-udp") == {(base, SCHED_OTHER)}, sched
    assert sched.get("mdns-tcp") == {(base, SCHED_OTHER)}, sched


# --------------------------------------------------------------------------
# resolver address forms


def test_forward_resolver_without_port_means_53(daemon_factory, master, upstreams):
    host = FAKE_HOSTS[5]
    try:
        u = upstreams(host=host, port=53, default_a="192.0.2.53")
    except OSError as e:
        pytest.skip("cannot bind %s:53 here (%s)" % (host, e))
    d = daemon_factory(master=master, config=fwd_config([host]))
    for tcp in (False, True):
        assert values(d.dns("port53.example.org.", "A", tcp=tcp)) == {"192.0.2.53"}
    assert u.count("port53.example.org") == 2


def test_forward_ipv6_resolvers(daemon_factory, master, upstreams):
    """IPv6 upstreams: "[::1]:port", and a bare "::1" meaning port 53."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
        u = upstreams(host="::1", port=port, default_a="192.0.2.66")
        u53 = upstreams(host="::1", port=53, default_a="192.0.2.67")
    except OSError as e:
        pytest.skip("no ::1 here (%s)" % e)
    d = daemon_factory(master=master, config=fwd_config(
        ["127.0.0.1:1"], zoneResolvers={"six.test": ["[::1]:%d" % port],
                                        "fiftythree.test": ["::1"]}))
    for tcp in (False, True):
        assert values(d.dns("www.six.test.", "A", tcp=tcp)) == {"192.0.2.66"}
        assert values(d.dns("www.fiftythree.test.", "A", tcp=tcp)) == {"192.0.2.67"}
    assert u.count("www.six.test") == 2
    assert u53.count("www.fiftythree.test") == 2


# --------------------------------------------------------------------------
# hardening (issue 11): the cache and the descriptor budget


def test_forward_cache_compressed_question_served_intact(daemon_factory, master, upstreams):
    """An upstream whose reply names the question by a compression pointer
    (to the answer's owner, written after it): with the cache on, the
    second client gets the same bytes as the first (the cache used to
    paste the question name over the pointer and serve a corrupted reply)."""
    u = upstreams(mode="compressed_question",
                  records={("cq.example.org.", "A"): (300, ["192.0.2.85"])})
    d = daemon_factory(master=master, config=fwd_config([u.address], ForwardCacheSize=100))
    replies = []
    for qid in (0x1111, 0x2222):
        q = dns.message.make_query("cq.example.org.", "A")
        q.id = qid
        r = d.dns_raw(q.to_wire(), timeout=3)
        assert r is not None and r[:2] == qid.to_bytes(2, "big")
        replies.append(r)
    assert replies[1][2:] == replies[0][2:], (replies[0].hex(), replies[1].hex())
    assert replies[0][12] == 0xC0          # really the upstream's pointer form


def test_forward_descriptor_limit_servfail_at_once(master, upstreams, tmp_path):
    """Started under `prlimit --nofile=256` with an upstream that never
    answers: 3,000 forwarded queries in 1.5 s all get SERVFAIL (the
    forwarder keeps to its share of the descriptors and answers the rest
    at once), and meanwhile authoritative names answer over UDP and TCP
    and the HTTP API answers: descriptors are left for them."""
    u = upstreams(mode="silent")
    wrapper = tmp_path / "mesos-dns-nofile256"
    wrapper.write_text('#!/bin/sh\nexec prlimit --nofile=256 -- "%s" "$@"\n'
                       % harness.daemon_binary())
    wrapper.chmod(0o755)
    # 10 s: the forwarder's sockets are all still open while the daemon is
    # asked for its own names (even if sending is slow on a busy machine).
    d = harness.Daemon(tmp_path / "daemon", master=master, binary=wrapper,
                       config=fwd_config([u.address], timeout=10))
    d.start()
    try:
        d.wait_ready(10.0)
        _descriptor_limit_burst(d)
    except BaseException:
        print(d.log_text()[-4000:])
        raise
    finally:
        d.stop()


def _descriptor_limit_burst(d):
    limits = open("/proc/%d/limits" % d.pid).read()
    assert re.search(r"Max open files\s+256\s+256", limits), limits
    n = 3000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.settimeout(0.2)
    got = {}
    stop = threading.Event()

    def read():
        while not stop.is_set() and len(got) < n:
            try:
                r = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                continue
            got[r.id] = r.rcode()

    reader = threading.Thread(target=read)
    reader.start()
    t0 = time.monotonic()
    auth = []
    try:
        for i in range(n):
            q = dns.message.make_query("fd%d.example.org." % i, "A")
            q.id = i
            s.sendto(q.to_wire(), (d.host, d.port))
            if i % 500 == 250:
                # Paced: 3,000 in about 1.5 s.
                time.sleep(max(0.0, (i / n) * 1.5 - (time.monotonic() - t0)))
        sent = time.monotonic() - t0
        # While the forwarder holds every descriptor it may have.
        for tcp in (False, True):
            t1 = time.monotonic()
            r = d.dns("web.marathon.mesos.", "A", tcp=tcp, timeout=1.0)
            auth.append((tcp, values(r), time.monotonic() - t1))
        code, _, body = d.get("/v1/version", timeout=1.0)
        assert code == 200, (code, body)
        reader.join(30)
    finally:
        stop.set()
        reader.join()
        s.close()
    assert sent < 7.5, "sending took %.2f s: too slow to prove anything" % sent
    for tcp, vals, took in auth:
        assert vals == {"10.0.0.3"} and took < 1.0, (tcp, vals, took)
    assert len(got) == n, "%d of %d forwarded queries answered" % (len(got), n)
    assert set(got.values()) == {dns.rcode.SERVFAIL}
    assert d.returncode is None
