"""secondaries.py -- Debian's knotd and nsd as secondary servers of our
zone, on loopback, each in its own work dir, started and ended here by PID.

Both load the zone from the daemon by AXFR, take NOTIFY from it
(127.0.0.1, optionally TSIG-signed) and then fetch changes by IXFR.  Their
logs say which transfer was used ("IXFR" / "AXFR" lines), which the tests
read.
"""

import subprocess
from pathlib import Path

import harness
import upstream

NSD = "/usr/sbin/nsd"


class KnotSecondary:
    """knotd on host:port, secondary of `zone` from primary host:port."""

    def __init__(self, workdir, host, port, zone, primary_host, primary_port,
                 tsig=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host, self.port, self.zone = host, port, zone.rstrip(".") + "."
        self.primary = (primary_host, primary_port)
        self.tsig = tsig        # (name, base64 secret) or None
        self.proc = None
        self.log_path = self.workdir / "knotd.log"

    def config_text(self):
        d = self.workdir
        key = ""
        key_ref = ""
        if self.tsig:
            key = ("key:\n  - id: %s\n    algorithm: hmac-sha256\n"
                   "    secret: %s\n" % self.tsig)
            key_ref = "    key: %s\n" % self.tsig[0]
        return (
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
            "    any: info\n"
            "%(key)s"
            "remote:\n"
            "  - id: primary\n"
            "    address: %(ph)s@%(pp)d\n"
            "%(key_ref)s"
            "acl:\n"
            "  - id: from_primary\n"
            "    address: %(ph)s\n"
            "    action: notify\n"
            "%(key_ref)s"
            "template:\n"
            "  - id: default\n"
            "    storage: %(d)s\n"
            "    semantic-checks: off\n"
            "    zonefile-sync: -1\n"
            "zone:\n"
            "  - domain: %(zone)s\n"
            "    master: primary\n"
            "    acl: from_primary\n"
            "    file: %(d)s/secondary.zone\n"
            % {"host": self.host, "port": self.port, "d": d, "key": key,
               "key_ref": key_ref, "ph": self.primary[0], "pp": self.primary[1],
               "zone": self.zone})

    def start(self):
        (self.workdir / "db").mkdir(exist_ok=True)
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([upstream.KNOTD, "-c", str(conf)],
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        return self

    def stop(self):
        harness._stop_process(self.proc)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ask(self, qname, rdtype="A", **kw):
        return upstream.ask(self.host, self.port, qname, rdtype, **kw)


class NsdSecondary:
    """nsd on host:port, secondary of `zone` from primary host:port."""

    def __init__(self, workdir, host, port, zone, primary_host, primary_port,
                 tsig=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host, self.port, self.zone = host, port, zone.rstrip(".") + "."
        self.primary = (primary_host, primary_port)
        self.tsig = tsig
        self.proc = None
        self.log_path = self.workdir / "nsd.log"

    def config_text(self):
        d = self.workdir
        key = "NOKEY"
        keytext = ""
        if self.tsig:
            key = self.tsig[0]
            keytext = ("key:\n  name: %s\n  algorithm: hmac-sha256\n"
                       "  secret: \"%s\"\n" % self.tsig)
        return (
            "server:\n"
            "  ip-address: %(host)s@%(port)d\n"
            "  port: %(port)d\n"
            "  server-count: 1\n"
            "  username: \"\"\n"
            "  chroot: \"\"\n"
            "  zonesdir: \"%(d)s\"\n"
            "  database: \"\"\n"
            "  zonelistfile: \"%(d)s/zone.list\"\n"
            "  xfrdfile: \"%(d)s/xfrd.state\"\n"
            "  xfrdir: \"%(d)s\"\n"
            "  pidfile: \"%(d)s/nsd.pid\"\n"
            "  logfile: \"%(d)s/nsd.log\"\n"
            "  verbosity: 2\n"
            "  rrl-ratelimit: 0\n"
            "  tcp-count: 10\n"
            "remote-control:\n"
            "  control-enable: no\n"
            "%(keytext)s"
            "zone:\n"
            "  name: \"%(zone)s\"\n"
            "  zonefile: \"%(d)s/secondary.zone\"\n"
            "  allow-notify: %(ph)s %(key)s\n"
            "  request-xfr: %(ph)s@%(pp)d %(key)s\n"
            % {"host": self.host, "port": self.port, "d": d, "keytext": keytext,
               "key": key, "ph": self.primary[0], "pp": self.primary[1],
               "zone": self.zone})

    def start(self):
        conf = self.workdir / "nsd.conf"
        conf.write_text(self.config_text())
        out = open(self.workdir / "stdout.txt", "ab")
        try:
            self.proc = subprocess.Popen([NSD, "-d", "-c", str(conf)],
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        finally:
            out.close()
        return self

    def stop(self):
        harness._stop_process(self.proc)

    def log_text(self):
        text = ""
        for p in (self.log_path, self.workdir / "stdout.txt"):
            if p.exists():
                text += p.read_text(errors="replace")
        return text

    def ask(self, qname, rdtype="A", **kw):
        return upstream.ask(self.host, self.port, qname, rdtype, **kw)
