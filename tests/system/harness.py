"""harness.py -- processes and probes shared by every mesos-dns system test.

A test starts our own fake Mesos master (tests/fake_master/fake_master.py)
and the daemon under test, then looks at what a user would see: DNS answers
(dnspython), HTTP answers, log lines, exit codes.  Every process is started
here and ended here by its own PID; nothing else on the machine is touched.
Only loopback addresses are ever used.
"""

import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rdatatype

REPO = Path(__file__).resolve().parents[2]
FAKE_MASTER = REPO / "tests" / "fake_master" / "fake_master.py"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
LOOPBACK = "127.0.0.1"


def daemon_binary():
    """Path of the daemon under test: $MDNS_BIN, else <repo>/build/mesos-dns."""
    return Path(os.environ.get("MDNS_BIN") or REPO / "build" / "mesos-dns")


# --------------------------------------------------------------------------
# small helpers

_handed_out = set()


def free_port(host=LOOPBACK):
    """A port free for both TCP and UDP on host, not handed out before.

    The port is only probed, not held, so another process could take it
    before the caller binds; remembering what we handed out at least keeps
    two users in this test session apart.
    """
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind((host, 0))
            port = t.getsockname()[1]
        if port not in _handed_out and _bindable(host, port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free TCP+UDP port on %s" % host)


def closed_port(host=LOOPBACK):
    """A port on host where nothing listens (ICMP unreachable / RST), for
    the whole test session.

    Taken below the kernel's ephemeral range: a port from inside it could
    become a test client's source port (dnspython binds 0.0.0.0:0), and
    that client would then get what the daemon sends to the "closed" port
    (UnexpectedSource; seen once in 200 forwarded queries)."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for _ in range(200):
        port = random.randrange(10000, low)
        if port not in _handed_out and _bindable(host, port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free TCP+UDP port below %d on %s" % (low, host))


def _bindable(host, port):
    """Whether both TCP and UDP can bind port on host now."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind((host, port))
            u.bind((host, port))
    except OSError:
        return False
    return True


ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"


def task_hash(task_id):
    """records.md §7.3: the first 5 zbase32 characters of SHA-1(id), as in
    a task's canonical name."""
    bits = "".join(format(b, "08b") for b in hashlib.sha1(task_id.encode()).digest())
    return "".join(ZBASE32[int(bits[5 * i:5 * i + 5], 2)] for i in range(5))


def wait_until(predicate, timeout=10.0, interval=0.05, message=None):
    """Call predicate until it returns something truthy; return that value.

    Raises AssertionError (with message, or the predicate's name) on timeout,
    so a test that waits for a condition fails with a useful line.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (
                timeout, message or getattr(predicate, "__name__", "condition")))
        time.sleep(interval)


def write_atomic(path, data):
    """Replace path with data (str, bytes, or a JSON-able object) atomically."""
    path = Path(path)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, indent=1)
    if isinstance(data, str):
        data = data.encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def minimal_state(leader="master@127.0.0.1:5050"):
    """A small valid master state: one agent, marathon with one running task.

    Expected records (domain mesos): leader.mesos. 127.0.0.1,
    marathon.mesos. 10.0.0.2, slave.mesos. 10.0.0.3,
    web.marathon.mesos. 10.0.0.3, SRV _web._tcp.marathon.mesos. port 31000.
    """
    return {
        "leader": leader,
        "hostname": "localhost",
        "id": "20240101-000000-16777343-5050-1",
        "pid": leader,
        "version": "1.11.0",
        "slaves": [{
            "id": "S1-AGENT-0",
            "hostname": "10.0.0.3",
            "pid": "slave(1)@10.0.0.3:5051",
            "resources": {"cpus": 4, "mem": 8192, "disk": 10000,
                          "ports": "[31000-32000]"},
        }],
        "frameworks": [{
            "id": "F1-0000",
            "name": "marathon",
            "hostname": "10.0.0.2",
            "pid": "scheduler-1@10.0.0.2:8080",
            "active": True,
            "tasks": [{
                "id": "web.11111111-2222-3333-4444-555555555555",
                "name": "web",
                "framework_id": "F1-0000",
                "slave_id": "S1-AGENT-0",
                "state": "TASK_RUNNING",
                "resources": {"cpus": 0.5, "mem": 128, "ports": "[31000-31000]"},
                "statuses": [{"state": "TASK_RUNNING", "timestamp": 1700000000.5}],
            }],
            "completed_tasks": [],
        }],
        "completed_frameworks": [],
    }


def _parse_request_log(text):
    out = []
    for line in text.splitlines():
        parts = line.split(" ", 4)
        if len(parts) < 5:
            continue
        out.append({"time": float(parts[0]), "method": parts[1],
                    "path": parts[2], "status": int(parts[3]),
                    "headers": json.loads(parts[4])})
    return out


def _stop_process(proc, grace=5.0):
    """SIGTERM proc (ours, by PID), SIGKILL after grace; return its status."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return proc.returncode


# --------------------------------------------------------------------------


class FakeMaster:
    """Our fake Mesos master, run as a child process on a free port.

    state: a dict, or a path to a JSON file (copied, so set_state never
    touches the original); None = minimal_state().  faults: the initial
    control object (see fake_master.py --help).  The other keyword
    arguments map to the fake master's flags of the same name.
    """

    def __init__(self, workdir=None, state=None, faults=None, host=LOOPBACK,
                 basic_auth=None, tls_cert=None, tls_key=None,
                 tls_client_ca=None, iam_public_key=None, iam_uid=None,
                 iam_token=None, extra_args=()):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="fake-master-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.state_path = self.workdir / "state.json"
        self.control_path = self.workdir / "control.json"
        self.log_path = self.workdir / "requests.log"
        self.port_path = self.workdir / "port"
        self.stdout_path = self.workdir / "stdout.txt"
        self.stderr_path = self.workdir / "stderr.txt"
        self.port = None
        self.proc = None
        self.set_state(minimal_state() if state is None else state)
        self.set_faults(**(faults or {}))
        self.args = []
        for flag, value in (("--basic-auth", basic_auth), ("--tls-cert", tls_cert),
                            ("--tls-key", tls_key), ("--tls-client-ca", tls_client_ca),
                            ("--iam-public-key", iam_public_key),
                            ("--iam-uid", iam_uid), ("--iam-token", iam_token)):
            if value is not None:
                self.args += [flag, str(value)]
        self.args += list(extra_args)
        self.tls = tls_cert is not None

    # -- life cycle

    def start(self, timeout=10.0):
        for p in (self.port_path, self.log_path):
            if p.exists():
                p.unlink()
        self.log_path.touch()
        cmd = [PYTHON, str(FAKE_MASTER), "--state", str(self.state_path),
               "--port", "0", "--port-file", str(self.port_path),
               "--host", self.host, "--control", str(self.control_path),
               "--log", str(self.log_path)] + self.args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError("fake master exited with %s: %s" % (
                    self.proc.returncode, self.stderr_path.read_text()))
            return self.port_path.exists() and self.port_path.read_text().strip()

        self.port = int(wait_until(listening, timeout, message="fake master to listen"))
        return self

    def stop(self):
        return _stop_process(self.proc)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        """host:port, as a `masters` entry of the daemon's config."""
        return "%s:%d" % (self.host, self.port)

    @property
    def url(self):
        return "%s://%s/master/state" % ("https" if self.tls else "http", self.address)

    # -- control

    def set_faults(self, **faults):
        """Replace the whole fault set (no arguments = no faults)."""
        write_atomic(self.control_path, faults)

    def set_state(self, state):
        """Serve state (a dict, str/bytes JSON text, or a path) from now on."""
        if isinstance(state, (str, os.PathLike)) and not (
                isinstance(state, str) and state.lstrip().startswith(("{", "["))):
            state = Path(state).read_bytes()
        write_atomic(self.state_path, state)

    def remove_state(self):
        """Make the state file vanish (the fake then answers 503)."""
        try:
            self.state_path.unlink()
        except FileNotFoundError:
            pass

    # -- observation

    def requests(self):
        """The request log: dicts with time, method, path, status, headers."""
        return _parse_request_log(self.log_path.read_text())

    def state_requests(self):
        return [r for r in self.requests() if r["method"] == "GET"]

    def wait_requests(self, count, timeout=10.0):
        """Wait until at least count requests were logged; return them all."""
        return wait_until(lambda: len(self.requests()) >= count and self.requests(),
                          timeout, message="%d requests at the fake master" % count)


class DaemonExited(AssertionError):
    """The daemon ended while a test waited for it to become ready."""


class Daemon:
    """The mesos-dns binary with a config written from a dict.

    config: keys merged over the test defaults (case-insensitively, so a
    test's "Port" replaces the default "port"); config_text: written
    verbatim instead (for malformed-config tests).  master: a FakeMaster (or
    a list of them) whose addresses become `masters`.
    """

    def __init__(self, workdir=None, master=None, config=None, config_text=None,
                 refresh_seconds=60, binary=None, args=(), env=None):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mesos-dns-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.binary = Path(binary or daemon_binary())
        self.config_path = self.workdir / "config.json"
        self.stdout_path = self.workdir / "stdout.txt"
        self.stderr_path = self.workdir / "stderr.txt"
        self.args = list(args)
        self.env = env
        self.proc = None
        masters = master if isinstance(master, (list, tuple)) else (
            [] if master is None else [master])
        defaults = {
            "masters": [m if isinstance(m, str) else m.address for m in masters],
            "port": free_port(),
            "httpport": free_port(),
            "listener": LOOPBACK,
            "httplistener": LOOPBACK,
            "externalon": False,
            "refreshSeconds": refresh_seconds,
        }
        user = dict(config or {})
        lowered = {k.lower() for k in user}
        self.config = {k: v for k, v in defaults.items() if k.lower() not in lowered}
        self.config.update(user)
        self.config_text = config_text
        cfg = {k.lower(): v for k, v in self.config.items()}
        self.port = cfg.get("port")
        self.http_port = cfg.get("httpport")
        self.host = cfg.get("listener", LOOPBACK)
        self.http_host = cfg.get("httplistener", LOOPBACK)
        if self.host in ("0.0.0.0", "::"):
            self.host = LOOPBACK
        if self.http_host in ("0.0.0.0", "::"):
            self.http_host = LOOPBACK

    # -- life cycle

    def start(self):
        if self.config_text is not None:
            self.config_path.write_text(self.config_text)
        else:
            self.config_path.write_text(json.dumps(self.config, indent=1))
        cmd = [str(self.binary), "-config", str(self.config_path)] + self.args
        env = None if self.env is None else {**os.environ, **self.env}
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=self.workdir,
                                         stdin=subprocess.DEVNULL, env=env)
        return self

    def stop(self, grace=5.0):
        """SIGTERM, SIGKILL after grace seconds; return the exit status."""
        return _stop_process(self.proc, grace)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def returncode(self):
        """None while running (or not started), else the exit status."""
        return None if self.proc is None else self.proc.poll()

    def wait_exit(self, timeout=10.0):
        """Wait for the process to end by itself; return its status."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("mesos-dns still running after %.1fs\n%s" % (
                timeout, self.log_text()))

    def wait_ready(self, timeout=10.0):
        """Poll GET /v1/axfr until it answers 200 with records; return it."""
        def ready():
            if self.returncode is not None:
                raise DaemonExited("mesos-dns exited with %s before ready\n%s" % (
                    self.returncode, self.log_text()))
            try:
                status, _, body = self.get("/v1/axfr", timeout=1.0)
            except OSError:
                return None
            if status != 200:
                return None
            try:
                doc = json.loads(body)
            except ValueError:
                return None
            recs = doc.get("Records") or {}
            return doc if any(recs.get(k) for k in ("As", "AAAAs", "SRVs")) else None
        try:
            return wait_until(ready, timeout, 0.05, "mesos-dns to serve records")
        except DaemonExited:
            raise
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.log_text())) from None

    # -- HTTP

    def get(self, path, method="GET", headers=None, body=None, timeout=5.0):
        """One HTTP request; (status, headers, body bytes).  headers is an
        http.client.HTTPMessage (case-insensitive .get())."""
        conn = http.client.HTTPConnection(self.http_host, self.http_port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def get_json(self, path, **kw):
        """(status, parsed JSON body)."""
        status, _, body = self.get(path, **kw)
        return status, json.loads(body)

    def axfr(self):
        status, _, body = self.get("/v1/axfr")
        assert status == 200, "GET /v1/axfr: %d %r" % (status, body[:200])
        return json.loads(body)

    # -- DNS

    def dns(self, name, rdtype="A", tcp=False, edns=None, timeout=2.0, flags=None):
        """Ask the daemon; return the dns.message.Message answer.

        edns: None = plain query without OPT, else the EDNS0 payload size.
        """
        q = dns.message.make_query(name, rdtype, use_edns=edns is not None,
                                   payload=edns if edns is not None else 512)
        if flags is not None:
            q.flags = flags
        if tcp:
            return dns.query.tcp(q, self.host, port=self.port, timeout=timeout)
        return dns.query.udp(q, self.host, port=self.port, timeout=timeout,
                             ignore_trailing=False)

    def dns_raw(self, wire, tcp=False, timeout=2.0):
        """Send raw bytes; return the raw reply, or None if none came."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        if tcp:
            with socket.create_connection((self.host, self.port), timeout=timeout) as s:
                s.sendall(len(wire).to_bytes(2, "big") + wire)
                try:
                    head = _recv_exact(s, 2)
                    return _recv_exact(s, int.from_bytes(head, "big"))
                except (socket.timeout, ConnectionError):
                    return None
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(wire, (self.host, self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    # -- logs

    def stdout_text(self):
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr_text(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def log_text(self):
        """stdout then stderr, as one text."""
        return self.stdout_text() + self.stderr_text()

    def wait_log(self, regex, timeout=10.0):
        """Wait until regex (re.M) matches the log; return the match."""
        pattern = re.compile(regex, re.M)
        return wait_until(lambda: pattern.search(self.log_text()), timeout, 0.05,
                          "log line /%s/" % regex)


def assert_no_records_served(d):
    """d runs but serves no records yet: the HTTP API (listening from the
    start) answers its /v1 paths and /readyz with 503 and the reason."""
    status, _, body = d.get("/v1/version", timeout=1.0)
    assert status == 503, (status, body)
    assert json.loads(body)["reason"] == "no records loaded yet", body
    assert d.get("/readyz", timeout=1.0)[0] == 503


class LogCursor:
    """Looks at a daemon's log lines written after the cursor was made."""

    def __init__(self, d):
        self.d = d
        self.start = len(d.log_text())

    def text(self):
        return self.d.log_text()[self.start:]

    def errors(self):
        """The "ERROR: " lines since the cursor."""
        return [l for l in self.text().splitlines() if l.startswith("ERROR: ")]

    def wait(self, regex, timeout=10.0):
        """Wait until regex (re.M) matches the new lines; return the match."""
        pattern = re.compile(regex, re.M)
        return wait_until(lambda: pattern.search(self.text()), timeout, 0.05,
                          "log line /%s/ in\n%s" % (regex, self.text()))

    def count(self, regex):
        return len(re.findall(regex, self.text(), re.M))


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def rrset_values(msg, section="answer", rdtype=None):
    """The set of rdata texts in a section of a dnspython message."""
    out = set()
    for rrset in getattr(msg, section):
        if rdtype is None or rrset.rdtype == dns.rdatatype.from_text(rdtype):
            out.update(r.to_text() for r in rrset)
    return out


# --------------------------------------------------------------------------
# masters told apart by a tag: each serves minimal_state() with its task
# renamed to the tag (<tag>.marathon.mesos. 10.0.0.3), and leader.mesos. is
# the master's own address


def tagged_state(ip, port, tag):
    """A state whose leader is master@ip:port, with one task named tag."""
    state = minimal_state("master@%s:%d" % (ip, port))
    state["frameworks"][0]["tasks"][0]["name"] = tag
    return state


def start_tagged_master(master_factory, ip, tag, port=None, leader=None, **kw):
    """A fake master (from conftest's master_factory) on ip serving
    tagged_state(ip, its port, tag), whose leader is itself or `leader`
    (host:port); m.tag is tag.  kw go to the factory (extra_args are kept,
    with --port added for port)."""
    extra = list(kw.pop("extra_args", ()))
    if port:
        extra += ["--port", str(port)]
    m = master_factory(state=minimal_state(), host=ip, extra_args=extra, **kw)
    m.tag = tag
    m.set_state(tagged_state(ip, m.port, tag))
    if leader:
        state = tagged_state(ip, m.port, tag)
        state["leader"] = "master@" + leader
        m.set_state(state)
    return m


def a_records(d, name):
    """The A records DNS answers for name (sorted texts)."""
    return sorted(rrset_values(d.dns(name), "answer", "A"))


def serves(d, m):
    """True if DNS answers with master m's state: leader.mesos. is m and
    m's task exists."""
    return (a_records(d, "leader.mesos.") == [m.host]
            and a_records(d, "%s.marathon.mesos." % m.tag) == ["10.0.0.3"])


def wait_serves(d, m, timeout=10.0):
    return wait_until(lambda: serves(d, m), timeout, 0.02,
                      "DNS to answer with %s's state (%s)" % (m.tag, m.address))


def hold_serving(d, m, seconds, axfr=None):
    """For `seconds`, every DNS (and /v1/axfr) answer is m's state, unchanged."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert d.returncode is None, d.log_text()
        assert serves(d, m), "zone changed during the fault:\n%s" % d.log_text()[-3000:]
        if axfr is not None:
            assert d.axfr()["Records"] == axfr
        time.sleep(0.1)


# --------------------------------------------------------------------------
# states with IPv4 and IPv6 task addresses (test_dns, test_resolvers)


def ip_task(tid, name, slave, ips=(), ports=None, discovery=None):
    """A running task of framework F1 on agent slave, with container
    addresses ips, a ports range ("[a-b]") and DiscoveryInfo if given."""
    t = {"id": tid, "name": name, "framework_id": "F1", "slave_id": slave,
         "state": "TASK_RUNNING",
         "statuses": [{"state": "TASK_RUNNING", "timestamp": 1.0}]}
    if ports:
        t["resources"] = {"ports": ports}
    if ips:
        t["statuses"][0]["container_status"] = {"network_infos": [
            {"ip_addresses": [{"ip_address": ip} for ip in ips]}]}
    if discovery:
        t["discovery"] = discovery
    return t


def big_ip(i):
    """The address of the i-th task of the 100-address name big."""
    return "10.2.%d.%d" % (i // 200, i % 200 + 1)


def ip_state(tasks):
    """A master state running tasks in marathon (F1), with agents
    S-AGENT-0 (a0, 10.0.0.3) and S-AGENT-6 (a6, 2001:db8::6)."""
    return {
        "leader": "master@127.0.0.1:5050", "hostname": "localhost",
        "pid": "master@127.0.0.1:5050",
        "slaves": [
            {"id": "S-AGENT-0", "hostname": "a0", "pid": "slave(1)@10.0.0.3:5051"},
            {"id": "S-AGENT-6", "hostname": "a6", "pid": "slave(1)@[2001:db8::6]:5051"},
        ],
        "frameworks": [{"id": "F1", "name": "marathon",
                        "pid": "scheduler-1@10.0.0.2:8080", "tasks": tasks}],
    }


def sanitized(path=None):
    """True for an ASan/UBSan build of the daemon (scripts/test.sh runs the
    system tests against one too): memory figures mean nothing there."""
    try:
        data = Path(path or daemon_binary()).read_bytes()
    except OSError:
        return False
    return b"__ubsan_handle_" in data or b"__asan_init" in data
