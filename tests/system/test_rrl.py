"""test_rrl.py -- response rate limiting over UDP (RRLResponsesPerSecond,
RRLSlip; issue 11).

What a client sees: with the limit on, a burst from one source prefix gets
about one second's worth of answers, and every RRLSlip-th of the rest an
empty truncated reply (TC) that sends a real client to TCP; TCP and other
prefixes are not limited.  With the default (0) every query is answered,
as the original does.
"""

import socket
import time

import dns.flags
import dns.message
import dns.rcode

import harness

BURST = 200


def rrl_counts(d):
    """{action: value} of mesos_dns_rrl_limited_total in a scrape."""
    status, _, body = d.get("/metrics")
    assert status == 200
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("mesos_dns_rrl_limited_total{"):
            series, value = line.rsplit(" ", 1)
            out[series.split('"')[1]] = int(float(value))
    return out


def udp_burst(d, n=BURST, source="127.0.0.1", name="web.marathon.mesos."):
    """Sends n queries from one socket as fast as it can; returns
    (full answers, truncated replies, seconds the sending took)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((source, 0))
    full, truncated = [], []
    try:
        t0 = time.monotonic()
        for i in range(n):
            q = dns.message.make_query(name, "A")
            q.id = i
            s.sendto(q.to_wire(), (d.host, d.port))
        took = time.monotonic() - t0
        s.settimeout(1.0)
        while len(full) + len(truncated) < n:
            try:
                r = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                break
            (truncated if r.flags & dns.flags.TC else full).append(r)
    finally:
        s.close()
    return full, truncated, took


def test_rrl_off_by_default_answers_all(daemon):
    full, truncated, _ = udp_burst(daemon)
    assert len(full) == BURST and not truncated
    assert all(harness.rrset_values(r) == {"10.0.0.3"} for r in full)
    assert rrl_counts(daemon) == {"dropped": 0, "slipped": 0}


def test_rrl_limits_a_burst_and_slips(daemon_factory, master):
    d = daemon_factory(master=master, config={"RRLResponsesPerSecond": 10})
    assert d.get_json("/v1/config")[1]["RRLResponsesPerSecond"] == 10
    full, truncated, took = udp_burst(d)
    # One second's worth at once, plus what the rate refills while the
    # burst is sent (generous: the sender may be slow on a busy machine).
    assert 10 <= len(full) <= 10 + 10 * took + 10, (len(full), took)
    assert all(harness.rrset_values(r) == {"10.0.0.3"} for r in full)
    dropped = BURST - len(full)
    # RRLSlip 2 (default): every second dropped response is slipped.
    assert abs(len(truncated) - dropped // 2) <= 2, (len(truncated), dropped)
    for r in truncated:
        assert r.rcode() == dns.rcode.NOERROR
        assert r.flags & dns.flags.QR and r.flags & dns.flags.AA
        assert not r.answer and str(r.question[0].name) == "web.marathon.mesos."
    # The operator sees what was limited: every response over the rate is
    # counted once, as dropped or as slipped.
    counts = rrl_counts(d)
    assert counts["slipped"] == len(truncated), counts
    assert counts["dropped"] + counts["slipped"] == dropped, (counts, dropped)
    # Over TCP, and from another /24, answers are not limited.
    assert harness.rrset_values(d.dns("web.marathon.mesos.", tcp=True)) == {"10.0.0.3"}
    full2, truncated2, took2 = udp_burst(d, n=10, source="127.0.1.1")
    assert len(full2) == 10 and not truncated2
    # The same prefix again after a pause: refilled.
    time.sleep(1.2)
    full3, _, _ = udp_burst(d, n=5)
    assert len(full3) == 5


def test_rrl_slip_zero_drops_silently(daemon_factory, master):
    d = daemon_factory(master=master, config={"RRLResponsesPerSecond": 5,
                                              "RRLSlip": 0})
    full, truncated, took = udp_burst(d, n=50)
    assert 5 <= len(full) <= 5 + 5 * took + 5, (len(full), took)
    assert not truncated
    assert rrl_counts(d) == {"dropped": 50 - len(full), "slipped": 0}
