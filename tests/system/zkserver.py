"""zkserver.py -- a real ZooKeeper server (or ensemble) for the system tests,
and the Mesos side of leader election written into it.

The server is the Debian `zookeeper` package run directly with java
(QuorumPeerMain) on a loopback address, with a temporary dataDir; it is
started and ended by its own PID.  Mesos masters are imitated with kazoo
(python3-kazoo): each "master" is an ephemeral sequential znode
`json.info_N` (JSON MasterInfo) or `info_N` (protobuf MasterInfo) under the
Mesos path, exactly as Mesos writes them; the lowest N is the leader.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import threading
from pathlib import Path

import harness

ZK_CLASSPATH = "/usr/share/java/zookeeper.jar:/usr/share/java/*:/etc/zookeeper/conf"
ZK_MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
JAVA = "/usr/bin/java"


def available():
    """None if a ZooKeeper server and kazoo can be used, else why not."""
    if not os.path.exists(JAVA):
        return "java not installed (default-jre-headless)"
    if not os.path.exists("/usr/share/java/zookeeper.jar"):
        return "ZooKeeper not installed (Debian package zookeeper)"
    try:
        import kazoo.client  # noqa: F401
    except ImportError:
        return "kazoo not installed (python3-kazoo)"
    return None


def four_letter(host, port, cmd, timeout=1.0):
    """Send a ZooKeeper four-letter command; return the answer text ('' if
    the server is not there)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(cmd.encode())
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            return out.decode(errors="replace")
    except OSError:
        return ""


class ZkServer:
    """One ZooKeeper server process.

    Standalone unless `peers` is given: a list of (myid, host, quorum_port,
    election_port) for every member of an ensemble, this one being `myid`.
    max_session_ms caps the session timeout clients get (the daemon asks for
    60 s), so that session expiry can be provoked quickly.
    """

    def __init__(self, workdir, host=harness.LOOPBACK, port=None, tick_ms=500,
                 max_session_ms=None, peers=None, myid=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or harness.free_port(host)
        self.tick_ms = tick_ms
        self.max_session_ms = max_session_ms
        self.peers = peers
        self.myid = myid
        self.data_dir = self.workdir / "data"
        self.cfg_path = self.workdir / "zoo.cfg"
        self.proc = None
        self.starts = 0

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def _write_config(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            "tickTime=%d" % self.tick_ms,
            "initLimit=10",
            "syncLimit=5",
            "dataDir=%s" % self.data_dir,
            "clientPort=%d" % self.port,
            "clientPortAddress=%s" % self.host,
            "admin.enableServer=false",
            "4lw.commands.whitelist=*",
            "maxClientCnxns=0",
        ]
        if self.max_session_ms is not None:
            lines.append("minSessionTimeout=%d" % (2 * self.tick_ms))
            lines.append("maxSessionTimeout=%d" % self.max_session_ms)
        if self.peers:
            for myid, host, qport, eport in self.peers:
                lines.append("server.%d=%s:%d:%d" % (myid, host, qport, eport))
            (self.data_dir / "myid").write_text("%d\n" % self.myid)
        self.cfg_path.write_text("\n".join(lines) + "\n")

    def wipe(self):
        """Forget everything (znodes and sessions): for a stopped server."""
        assert self.proc is None or self.proc.poll() is not None
        if self.data_dir.exists():
            for p in sorted(self.data_dir.rglob("*"), reverse=True):
                if p.name == "myid":
                    continue
                if p.is_dir():
                    p.rmdir()
                else:
                    p.unlink()

    def start(self, wait=True, timeout=30.0):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._write_config()
        self.starts += 1
        log_dir = self.workdir / "logs"
        log_dir.mkdir(exist_ok=True)
        cmd = [JAVA, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Dzookeeper.log.dir=%s" % log_dir,
               "-Dzookeeper.root.logger=INFO,CONSOLE",
               "-cp", ZK_CLASSPATH, ZK_MAIN, str(self.cfg_path)]
        out = open(self.workdir / ("out%d.txt" % self.starts), "wb")
        try:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            out.close()
        if wait:
            self.wait_serving(timeout)
        return self

    def serving(self):
        """True once the server answers requests (standalone, leader or
        follower of an ensemble that has a quorum)."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        return "Mode:" in four_letter(self.host, self.port, "srvr")

    def wait_serving(self, timeout=30.0):
        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("ZooKeeper exited with %s:\n%s" % (
                    self.proc.returncode, self.output()[-3000:]))
            return self.serving()
        harness.wait_until(up, timeout, 0.05, "ZooKeeper %s to serve" % self.address)

    def output(self):
        p = self.workdir / ("out%d.txt" % self.starts)
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self):
        """End the server (SIGKILL: a crash; the data on disk stays)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def sessions(self):
        """{session id: negotiated timeout ms} of the connected clients
        (from the four-letter command `cons`)."""
        out = {}
        for line in four_letter(self.host, self.port, "cons").splitlines():
            if "sid=" not in line:
                continue
            fields = dict(kv.split("=", 1) for kv in line[line.index("(") + 1:
                                                          line.rindex(")")].split(",")
                          if "=" in kv)
            out[int(fields["sid"], 16)] = int(fields.get("to", "0"))
        return out


class ZkEnsemble:
    """Members on 127.0.0.2, 127.0.0.3, ... (one loopback address each)."""

    def __init__(self, workdir, size=3, tick_ms=500, first_ip=2):
        workdir = Path(workdir)
        hosts = ["127.0.0.%d" % (first_ip + i) for i in range(size)]
        peers = [(i + 1, h, harness.free_port(h), harness.free_port(h))
                 for i, h in enumerate(hosts)]
        self.members = [ZkServer(workdir / ("zk%d" % (i + 1)), host=h, tick_ms=tick_ms,
                                 peers=peers, myid=i + 1)
                        for i, h in enumerate(hosts)]

    def stop(self):
        for m in self.members:
            m.stop()


class TcpForwarder:
    """A loopback TCP port in front of a ZooKeeper server.

    Connections to host:port are relayed to target (host, port), except the
    first `hold_first` ones: those are accepted and then left silent (never
    read, never answered), as a server does that accepts connections while
    it is still starting, or hangs.  Opening the port only once the server
    serves also keeps clients from connecting during its start-up.
    """

    def __init__(self, host, port, target, hold_first=0):
        self.host, self.port, self.target = host, port, target
        self.hold_first = hold_first
        self.accepted = 0
        self.sockets = []
        self.lock = threading.Lock()
        self.listener = None

    def start(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self.port))
        ls.listen(64)
        self.listener = ls
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _keep(self, s):
        with self.lock:
            self.sockets.append(s)

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self._keep(conn)
            self.accepted += 1
            if self.accepted <= self.hold_first:
                continue  # silent: accepted, never answered
            try:
                up = socket.create_connection(self.target, timeout=2)
                up.settimeout(None)
            except OSError:
                conn.close()
                continue
            self._keep(up)
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def stop(self):
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        with self.lock:
            for s in self.sockets:
                try:
                    s.close()
                except OSError:
                    pass
            self.sockets = []


# --------------------------------------------------------------------------
# Mesos MasterInfo, as Mesos writes it into ZooKeeper


def legacy_ip(ip):
    """MasterInfo.ip: the IPv4 address as a uint32 in x86 host byte order."""
    return struct.unpack("<I", socket.inet_aton(ip))[0]


def master_info_json(ip, port, master_id, hostname=None):
    """The JSON MasterInfo of a json.info_N znode (Mesos >= 0.24)."""
    hostname = hostname or ip
    return json.dumps({
        "address": {"hostname": hostname, "ip": ip, "port": port},
        "hostname": hostname,
        "id": master_id,
        "ip": legacy_ip(ip),
        "pid": "master@%s:%d" % (ip, port),
        "port": port,
        "version": "1.4.0",
    }).encode()


def _varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def _pb_varint_field(field, value):
    return _varint(field << 3) + _varint(value)


def _pb_bytes_field(field, data):
    if isinstance(data, str):
        data = data.encode()
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def master_info_protobuf(ip, port, master_id, with_address=True):
    """A protobuf MasterInfo (mesos.proto) of a legacy info_N znode:
    1 id string, 2 ip uint32, 3 port uint32, 4 pid string,
    7 address {2 ip string, 3 port int32}.  with_address=False leaves out
    `address`, as Mesos before 0.24 did, so only the uint32 ip is there."""
    msg = (_pb_bytes_field(1, master_id)
           + _pb_varint_field(2, legacy_ip(ip))
           + _pb_varint_field(3, port)
           + _pb_bytes_field(4, "master@%s:%d" % (ip, port)))
    if with_address:
        msg += _pb_bytes_field(7, _pb_bytes_field(2, ip) + _pb_varint_field(3, port))
    return msg


def kazoo_client(hosts, timeout=10.0):
    """A started kazoo client that reconnects quickly after a server restart."""
    from kazoo.client import KazooClient
    from kazoo.retry import KazooRetry
    kz = KazooClient(hosts=hosts, timeout=timeout,
                     connection_retry=KazooRetry(max_tries=-1, delay=0.1, backoff=1,
                                                 max_delay=0.2, ignore_expire=False),
                     command_retry=KazooRetry(max_tries=100, delay=0.1, backoff=1,
                                              max_delay=0.2))
    kz.start(timeout=15)
    return kz


class MesosZk:
    """The Mesos masters' side of ZooKeeper under one path (e.g. /mesos)."""

    def __init__(self, kz, path):
        self.kz = kz
        self.path = path.rstrip("/") or "/"
        kz.ensure_path(self.path)

    def _child(self, name):
        return (self.path if self.path != "/" else "") + "/" + name

    def register(self, ip, port, master_id=None, kind="json", data=None,
                 ephemeral=True):
        """Create the ephemeral sequential znode of a master; return its name
        (e.g. json.info_0000000003).  kind: json, protobuf, protobuf-legacy.
        ephemeral=False makes it outlive this client's session (for tests
        that must not depend on the client getting its session back)."""
        master_id = master_id or "master-%s-%d" % (ip, port)
        if data is None:
            if kind == "json":
                data = master_info_json(ip, port, master_id)
            elif kind == "protobuf":
                data = master_info_protobuf(ip, port, master_id)
            elif kind == "protobuf-legacy":
                data = master_info_protobuf(ip, port, master_id, with_address=False)
            else:
                raise ValueError(kind)
        prefix = "json.info_" if kind == "json" else "info_"
        full = self.kz.create(self._child(prefix), data, ephemeral=ephemeral,
                              sequence=True)
        return full.rsplit("/", 1)[1]

    def unregister(self, name):
        self.kz.delete(self._child(name))

    def add_plain(self, name, data=b""):
        """A non-ephemeral child that is no MasterInfo (log_replicas, ...)."""
        self.kz.create(self._child(name), data)

    def children(self):
        return sorted(self.kz.get_children(self.path))
