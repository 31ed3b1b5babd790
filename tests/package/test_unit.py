"""test_unit.py -- dist/mesos-dns.service: valid, hardened, and enough.

systemd-analyze works offline (no systemd as PID 1 needed): `verify` checks
the unit parses and its command and man page exist; `security` scores its
exposure.  Then the daemon runs under strace through a start, DNS and HTTP
answers, forwarding, a reload and a stop, and every system call and socket
family it used must be one the unit's SystemCallFilter= and
RestrictAddressFamilies= allow (else systemd would kill it in production).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

import harness
from conftest import REPO

UNIT = REPO / "dist" / "mesos-dns.service"
MAX_EXPOSURE = 2.5

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze not installed")


def configured_unit(tmp_path, bindir):
    """The unit as CMake configures it, for a binary in bindir; with the
    man page where `man` finds it.  Returns (unit path, environment)."""
    text = UNIT.read_text()
    text = text.replace("@CMAKE_INSTALL_FULL_BINDIR@", str(bindir))
    text = text.replace("@CMAKE_INSTALL_FULL_SYSCONFDIR@", "/etc")
    assert "@CMAKE_" not in text, "unconfigured @VAR@ left"
    unit = tmp_path / "mesos-dns.service"
    unit.write_text(text)
    man8 = tmp_path / "man" / "man8"
    man8.mkdir(parents=True)
    shutil.copy(REPO / "docs" / "mesos-dns.8", man8)
    return unit, {**os.environ, "MANPATH": str(tmp_path / "man"), "SYSTEMD_LOG_COLOR": "0"}


def exposure(unit, env):
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                       capture_output=True, text=True, env=env, timeout=60)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
    assert m, "no score in:\n%s\n%s" % (r.stdout, r.stderr)
    return float(m.group(1)), r.stdout


def test_unit_verifies(tmp_path, mdns_bin):
    unit, env = configured_unit(tmp_path, mdns_bin.parent)
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert (r.returncode, r.stdout + r.stderr) == (0, "")


def test_unit_exposure_is_at_most_2_5(tmp_path, mdns_bin):
    unit, env = configured_unit(tmp_path, mdns_bin.parent)
    score, report = exposure(unit, env)
    assert score <= MAX_EXPOSURE, report


def unit_settings(name):
    """Every value of `name=` in the unit, in order."""
    return [line.split("=", 1)[1].strip() for line in UNIT.read_text().splitlines()
            if line.startswith(name + "=")]


def syscall_groups():
    """{"@group": set of calls} from systemd-analyze syscall-filter."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = groups.setdefault(line.split()[0], set())
        elif cur is not None and line.strip() and not line.strip().startswith("#"):
            cur.add(line.split()[0])
    return groups


def expand(item, groups):
    if not item.startswith("@"):
        return {item}
    out = set()
    for x in groups[item]:
        out |= expand(x, groups)
    return out


def allowed_syscalls():
    """The allow list the unit's SystemCallFilter= lines describe."""
    groups, allowed = syscall_groups(), None
    for value in unit_settings("SystemCallFilter"):
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= expand(item, groups)
        if deny:
            allowed = (allowed or set()) - names
        else:
            allowed = names if allowed is None else allowed | names
    assert allowed, "no SystemCallFilter allow list in the unit"
    return allowed


def _answers(d):
    try:
        return bool(d.dns("leader.mesos", timeout=0.5).answer)
    except Exception:  # not listening yet: no answer, or a refused port
        return False


def _traced_pid(trace):
    m = re.search(r"^(\d+)\s+execve\(", trace.read_text() if trace.exists() else "", re.M)
    return int(m.group(1)) if m else None


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
def test_daemon_needs_only_what_the_unit_allows(tmp_path, mdns_bin, master_factory):
    m = master_factory(state=str(REPO / "demo" / "state.json"))
    upstream = harness.free_port()  # nothing answers: forwarding times out
    d = harness.Daemon(tmp_path / "d", master=m, config={
        "listener": "0.0.0.0", "externalon": True, "timeout": 1,
        "resolvers": ["127.0.0.1:%d" % upstream]})
    d.config_path.write_text(__import__("json").dumps(d.config))
    trace = tmp_path / "trace"
    # LeakSanitizer cannot run under ptrace (sanitizer builds); leaks are
    # the system tests' business, not this one's.
    env = {**os.environ, "ASAN_OPTIONS": ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))}
    # As under the unit: a notify socket and a watchdog, so that the
    # sd_notify calls are among those checked.
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    env.update(NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="2000000")
    proc = subprocess.Popen(["strace", "-f", "-qq", "-o", str(trace), str(mdns_bin),
                             "-config", str(d.config_path), "-v=1"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "stderr", "wb"),
                            stdin=subprocess.DEVNULL, cwd=tmp_path, env=env)
    d.proc = proc
    try:
        # Signals go to the daemon (its pid from its execve), not to strace.
        daemon = harness.wait_until(lambda: _traced_pid(trace), 10, message="the execve")
        d.wait_ready(timeout=30)
        # The HTTP API may answer before DNS listens (and strace slows both).
        harness.wait_until(lambda: _answers(d), 30, message="a DNS answer")
        assert d.dns("leader.mesos").answer
        assert d.dns("leader.mesos", tcp=True).answer
        try:
            d.dns("example.com", timeout=3)
        except Exception:  # the upstream never answers; only its calls matter
            pass
        assert d.get("/v1/version")[0] == 200
        # Whatever these serve (the process_* series read /proc), it must
        # stay inside what the unit allows; a build without them says 404.
        for path in ("/metrics", "/healthz", "/readyz"):
            d.get(path)
        os.kill(daemon, signal.SIGHUP)
        time.sleep(1)
        os.kill(daemon, signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, (tmp_path / "stderr").read_text()[-2000:]
    finally:
        notify.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = trace.read_text()
    used = set(re.findall(r"^\d+\s+([a-z0-9_]+)\(", text, re.M))
    assert len(used) > 20, text[:2000]
    assert sorted(used - allowed_syscalls()) == []
    families = set(re.findall(r"socket\((AF_[A-Z0-9]+)", text))
    assert families and families <= set(" ".join(unit_settings("RestrictAddressFamilies")).split())
    # ProcSubset=pid hides all of /proc but the process's own directory;
    # ProtectSystem=strict makes every file read-only but the StateDirectory.
    opened = re.findall(r'open(?:at)?\((?:AT_FDCWD, )?"([^"]+)", ([A-Z_|]+)', text)
    assert opened
    proc = [p for p, _ in opened if p.startswith("/proc/")
            and not re.match(r"/proc/(self|thread-self|%d)/" % daemon, p)]
    assert proc == []
    # MemoryDenyWriteExecute: no mapping both writable and executable, none
    # made executable later (library code is mapped PROT_READ|PROT_EXEC).
    wx = [line for line in text.splitlines()
          if re.search(r"\b(mmap|mprotect|pkey_mprotect)\(", line) and "PROT_EXEC" in line
          and ("PROT_WRITE" in line or "mprotect(" in line)]
    assert wx == []
    written = [p for p, flags in opened if re.search(r"O_WRONLY|O_RDWR|O_CREAT", flags)
               and not p.startswith(("/proc/self/", "/var/lib/mesos-dns/", "/dev/null"))]
    assert written == []
