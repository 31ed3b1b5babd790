"""upstream.py -- upstream DNS servers for the forwarding tests.

Two kinds, both on loopback only (127.0.0.0/8), each started and ended here:

* Knot: Debian's knotd, unprivileged config written into a work dir,
  serving zone files we write; a real authoritative server to compare
  forwarded answers with.
* FakeUpstream: a small dnspython server in a thread of the test process,
  for what a real server will not do: answer late, never answer, send a
  spoofed reply (wrong ID, wrong question, from another port or address)
  before the right one, truncate over UDP while answering in full over
  TCP.  It records every query it receives, so a test can tell which
  upstream was asked, how often and over which transport.
"""

import heapq
import selectors
import socket
import subprocess
import threading
import time
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

import harness

KNOTD = "/usr/sbin/knotd"


def ask(host, port, qname, rdtype="A", tcp=False, edns=None, flags=None,
        timeout=3.0, qid=None):
    """One query to host:port with dnspython; the reply message."""
    q = dns.message.make_query(qname, rdtype, use_edns=edns is not None,
                               payload=edns if edns is not None else 512)
    if flags is not None:
        q.flags = flags
    if qid is not None:
        q.id = qid
    if tcp:
        return dns.query.tcp(q, host, port=port, timeout=timeout)
    return dns.query.udp(q, host, port=port, timeout=timeout, ignore_trailing=False)


# --------------------------------------------------------------------------
# Knot


class Knot:
    """knotd on host:port serving zones {origin: zone file text}."""

    def __init__(self, workdir, host, port, zones):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host, self.port, self.zones = host, port, dict(zones)
        self.proc = None
        self.log_path = self.workdir / "knotd.log"

    def start(self, timeout=10.0):
        d = self.workdir
        (d / "db").mkdir(exist_ok=True)
        zone_conf = []
        for i, (origin, text) in enumerate(self.zones.items()):
            path = d / ("zone%d.zone" % i)
            path.write_text(text)
            zone_conf.append("  - domain: %s\n    file: %s\n" % (origin, path))
        (d / "knot.conf").write_text(
            "server:\n"
            "    listen: %(host)s@%(port)d\n"
            "    rundir: %(d)s\n"
            "    pidfile: %(d)s/knot.pid\n"
            "    udp-workers: 1\n"
            "    tcp-workers: 1\n"
            "    background-workers: 1\n"
            "control:\n"
            "    listen: %(d)s/knot.sock\n"
            "database:\n"
            "    storage: %(d)s/db\n"
            "log:\n"
            "  - target: stderr\n"
            "    any: warning\n"
            "template:\n"
            "  - id: default\n"
            "    storage: %(d)s\n"
            "    semantic-checks: off\n"
            "    zonefile-sync: -1\n"
            "    zonefile-load: whole\n"
            "    journal-content: none\n"
            "zone:\n" % {"host": self.host, "port": self.port, "d": d}
            + "".join(zone_conf))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([KNOTD, "-c", str(d / "knot.conf")],
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        first = next(iter(self.zones))

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("knotd exited with %s: %s" % (
                    self.proc.returncode, self.log_path.read_text()))
            try:
                r = ask(self.host, self.port, first, "SOA", timeout=0.3)
                t = ask(self.host, self.port, first, "SOA", tcp=True, timeout=0.3)
            except (OSError, dns.exception.DNSException):
                return False
            return r.answer and t.answer

        harness.wait_until(up, timeout, 0.05, "knotd on %s@%d" % (self.host, self.port))
        return self

    def stop(self):
        harness._stop_process(self.proc)

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def ask(self, qname, rdtype="A", **kw):
        return ask(self.host, self.port, qname, rdtype, **kw)


# --------------------------------------------------------------------------
# FakeUpstream


SPOOF_ADDR = "6.6.6.6"
MODES = ("normal", "silent", "wrong_id", "wrong_question", "other_port",
         "other_addr", "truncate_udp", "tcp_dribble", "compressed_question")


def compress_question(w):
    """A reply with one answer whose owner is the question name, rewritten
    so that the question's name is a pointer to the answer's owner written
    out after it (legal wire form that some servers send)."""
    end = _question_end(w)
    name = w[12:end - 4]
    rest = w[end:]
    assert rest[:2] == b"\xc0\x0c", rest[:2]   # the owner points at the question
    owner_off = 12 + 2 + 4
    return (w[:12] + bytes([0xC0, owner_off]) + w[end - 4:end] + name + rest[2:])


class FakeUpstream:
    """A misbehaving upstream on host:port (UDP and TCP), in a thread.

    records: {(name, type): (ttl, [rdata text, ...])}, names absolute and
    lowercase.  A name with no record of any type gets NXDOMAIN, one with
    other types NODATA; both carry the SOA of `zone` (TTL soa_ttl, MINIMUM
    neg_ttl) in the authority section.  default_a: answer every A query
    for a name without records with this address (tells upstreams apart).

    mode: normal; silent (counts queries, never answers; TCP connections
    are held open); wrong_id / wrong_question / other_port / other_addr
    (first a forged reply carrying SPOOF_ADDR: wrong ID; right ID but
    another question; from another port of this address; from spoof_host
    on this port -- then, spoof_gap seconds later, the right reply);
    truncate_udp (UDP replies are TC=1 with no records, TCP is complete);
    tcp_dribble (like truncate_udp, and the TCP reply is written in three
    pieces 30 ms apart: one octet, then up to the middle, then the rest).
    delay: seconds before any reply.  ra: the RA flag of replies.
    """

    def __init__(self, host, port, records=None, zone="test.", default_a=None,
                 mode="normal", delay=0.0, ra=True, aa=False, soa_ttl=300,
                 neg_ttl=60, spoof_host="127.0.0.99", spoof_gap=0.1,
                 rcode=None):
        assert mode in MODES, mode
        self.host, self.port = host, port
        self.records = {(dns.name.from_text(n), dns.rdatatype.from_text(t)): v
                        for (n, t), v in (records or {}).items()}
        self.names = {n for n, _ in self.records}
        self.zone = dns.name.from_text(zone)
        self.default_a = default_a
        self.mode, self.delay, self.ra, self.aa = mode, delay, ra, aa
        self.soa_ttl, self.neg_ttl = soa_ttl, neg_ttl
        self.spoof_host, self.spoof_gap = spoof_host, spoof_gap
        self.rcode = rcode
        self.queries = []   # dicts: transport, name, type, id, src, time
        self.lock = threading.Lock()
        self._heap = []     # (due, seq, callable)
        self._seq = 0
        self._stop = threading.Event()
        self._thread = None
        self._conns = {}

    # -- life cycle

    def start(self):
        self.udp = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                                 socket.SOCK_DGRAM)
        self.udp.bind((self.host, self.port))
        self.udp.setblocking(False)
        self.tcp = socket.socket(self.udp.family, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.host, self.port))
        self.tcp.listen(256)
        self.tcp.setblocking(False)
        self.other = socket.socket(self.udp.family, socket.SOCK_DGRAM)
        self.other.bind((self.host, 0))
        self.spoof = None
        if self.mode == "other_addr":
            self.spoof = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.spoof.bind((self.spoof_host, self.port))
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.udp, selectors.EVENT_READ, "udp")
        self.sel.register(self.tcp, selectors.EVENT_READ, "listen")
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="upstream-%s:%d" % (self.host, self.port))
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        for s in [self.udp, self.tcp, self.other, self.spoof] + list(self._conns):
            if s is not None:
                s.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        if ":" in self.host:
            return "[%s]:%d" % (self.host, self.port)
        return "%s:%d" % (self.host, self.port)

    # -- observation

    def count(self, name=None, transport=None):
        with self.lock:
            return sum(1 for q in self.queries
                       if (name is None or q["name"] == name.lower().rstrip(".") + ".")
                       and (transport is None or q["transport"] == transport))

    def log(self):
        with self.lock:
            return list(self.queries)

    def clear(self):
        with self.lock:
            self.queries.clear()

    # -- the loop

    def _later(self, delay, fn):
        self._seq += 1
        heapq.heappush(self._heap, (time.monotonic() + delay, self._seq, fn))

    def _run(self):
        while not self._stop.is_set():
            now = time.monotonic()
            while self._heap and self._heap[0][0] <= now:
                _, _, fn = heapq.heappop(self._heap)
                try:
                    fn()
                except OSError:
                    pass
            timeout = 0.02
            if self._heap:
                timeout = max(0.0, min(timeout, self._heap[0][0] - now))
            for key, _ in self.sel.select(timeout):
                try:
                    if key.data == "udp":
                        self._udp_read()
                    elif key.data == "listen":
                        self._accept()
                    else:
                        self._tcp_read(key.fileobj)
                except OSError:
                    pass

    def _udp_read(self):
        for _ in range(64):
            try:
                wire, src = self.udp.recvfrom(65535)
            except BlockingIOError:
                return
            self._handle(wire, "udp", src, None)

    def _accept(self):
        try:
            c, src = self.tcp.accept()
        except BlockingIOError:
            return
        c.setblocking(False)
        self._conns[c] = [b"", src]
        self.sel.register(c, selectors.EVENT_READ, "conn")

    def _tcp_close(self, c):
        self.sel.unregister(c)
        self._conns.pop(c, None)
        c.close()

    def _tcp_read(self, c):
        try:
            data = c.recv(65535)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._tcp_close(c)
            return
        st = self._conns[c]
        st[0] += data
        while len(st[0]) >= 2:
            n = int.from_bytes(st[0][:2], "big")
            if len(st[0]) < 2 + n:
                break
            wire, st[0] = st[0][2:2 + n], st[0][2 + n:]
            self._handle(wire, "tcp", st[1], c)

    # -- answers

    def _handle(self, wire, transport, src, conn):
        try:
            q = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - garbage is not answered
            return
        if not q.question:
            return
        qn = q.question[0]
        with self.lock:
            self.queries.append({"transport": transport, "name": qn.name.to_text().lower(),
                                 "type": dns.rdatatype.to_text(qn.rdtype), "id": q.id,
                                 "src": src, "time": time.monotonic(),
                                 "edns": q.edns, "flags": q.flags})
        if self.mode == "silent":
            return
        reply = self.answer(q)
        if transport == "udp" and self.mode in ("truncate_udp", "tcp_dribble"):
            reply.answer, reply.authority, reply.additional = [], [], []
            reply.flags |= dns.flags.TC

        def send(r, sock=None, dest=src):
            w = r.to_wire(max_size=65535)
            if self.mode == "compressed_question":
                w = compress_question(w)
            if conn is not None:
                framed = len(w).to_bytes(2, "big") + w
                if self.mode == "tcp_dribble":
                    cuts = [0, 1, len(framed) // 2, len(framed)]
                    for i in range(3):
                        piece = framed[cuts[i]:cuts[i + 1]]
                        self._later(0.03 * i, lambda p=piece: (
                            conn.sendall(p) if conn in self._conns else None))
                elif conn in self._conns:
                    conn.sendall(framed)
            else:
                (sock or self.udp).sendto(w, dest)

        if transport == "udp" and self.mode in ("wrong_id", "wrong_question",
                                                 "other_port", "other_addr"):
            forged = self.forge(q)
            sock = None
            if self.mode == "wrong_id":
                forged.id = (q.id + 0x5a5a) & 0xffff
            elif self.mode == "wrong_question":
                forged.question = [dns.rrset.RRset(dns.name.from_text("forged.invalid."),
                                                   qn.rdclass, qn.rdtype)]
                forged.answer = [dns.rrset.from_text("forged.invalid.", 300, "IN", "A",
                                                     SPOOF_ADDR)]
            elif self.mode == "other_port":
                sock = self.other
            else:
                sock = self.spoof
            self._later(self.delay, lambda: send(forged, sock))
            self._later(self.delay + self.spoof_gap, lambda: send(reply))
            return
        if self.delay:
            self._later(self.delay, lambda: send(reply))
        else:
            send(reply)

    def _soa(self):
        return dns.rrset.from_text(
            self.zone, self.soa_ttl, "IN", "SOA",
            "ns1.%s hostmaster.%s 1 3600 600 86400 %d" % (
                self.zone, self.zone, self.neg_ttl))

    def answer(self, q):
        """The correct reply to q."""
        qn = q.question[0]
        r = dns.message.make_response(q)
        r.flags &= ~(dns.flags.RA | dns.flags.AA)
        if self.ra:
            r.flags |= dns.flags.RA
        if self.aa:
            r.flags |= dns.flags.AA
        name = qn.name.canonicalize()
        hit = self.records.get((name, qn.rdtype))
        if hit:
            ttl, values = hit
            r.answer.append(dns.rrset.from_text_list(qn.name, ttl, "IN", qn.rdtype, values))
        elif qn.rdtype == dns.rdatatype.A and self.default_a and name not in self.names:
            r.answer.append(dns.rrset.from_text(qn.name, 60, "IN", "A", self.default_a))
        elif name in self.names:
            r.authority.append(self._soa())
        else:
            r.set_rcode(dns.rcode.NXDOMAIN)
            r.authority.append(self._soa())
        if self.rcode is not None:
            r.set_rcode(self.rcode)
        return r

    def forge(self, q):
        """A reply that must not be accepted: it carries SPOOF_ADDR."""
        qn = q.question[0]
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        if qn.rdtype == dns.rdatatype.A:
            r.answer.append(dns.rrset.from_text(qn.name, 300, "IN", "A", SPOOF_ADDR))
        else:
            r.set_rcode(dns.rcode.REFUSED)
        return r


# --------------------------------------------------------------------------
# wire helpers (bytes only)


def _question_end(wire):
    pos = 12
    while pos < len(wire):
        n = wire[pos]
        if n == 0:
            return pos + 5
        if n & 0xc0:
            return None
        pos += n + 1
    return None
