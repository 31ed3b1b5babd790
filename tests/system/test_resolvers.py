"""test_resolvers.py -- real resolvers that we did not write find our names.

The daemon listens on 127.0.0.53 port 53 (the tests run as root in a
private network namespace, so the port is free and nothing leaves it), and
each client runs in a private *mount* namespace of its own where
/etc/resolv.conf is a file of ours, bind-mounted over the real one only for
that process:

    unshare -m sh -c 'mount --bind OURS /etc/resolv.conf && exec CLIENT'

Clients: glibc (`getent ahosts`, `getent ahostsv6`), Python's
socket.getaddrinfo, bind9's `host`, and Java's InetAddress.getAllByName
(tests/system/resolvers/Lookup.java), each with `nameserver 127.0.0.53`
alone, with `search marathon.mesos`, with `options edns0` and over TCP
(`options use-vc`).  What matters most (issue #4): AAAA for an A-only name
must be NODATA, or glibc gives up on the whole name.

glibc's AI_ADDRCONFIG (used by getent) refuses AF_INET6 look-ups when the
machine has no IPv6 address but ::1; for the ahostsv6 checks a private ULA
address (fd00:53::1/128) is put on lo of our private namespace for the
duration of the test, and removed after.
"""

import hashlib
import ipaddress
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

import harness
from harness import big_ip, ip_state, ip_task

HERE = Path(__file__).resolve().parent
LOOKUP_JAVA = HERE / "resolvers" / "Lookup.java"
NS = "127.0.0.53"
V6_ADDR = "fd00:53::1"

RESOLV = {
    "plain": "nameserver %s\noptions timeout:2 attempts:2\n" % NS,
    "edns0": "nameserver %s\noptions edns0 timeout:2 attempts:2\n" % NS,
    "search": "nameserver %s\nsearch marathon.mesos\noptions timeout:2 attempts:2\n" % NS,
    "search-edns0": "nameserver %s\nsearch marathon.mesos\noptions edns0 timeout:2 attempts:2\n" % NS,
    "tcp": "nameserver %s\noptions use-vc timeout:2 attempts:2\n" % NS,
}
# a control: a server that is not there
NOBODY = "nameserver 127.0.0.54\noptions timeout:1 attempts:1\n"
VARIANTS = sorted(RESOLV)

WEB = {"10.1.0.1"}
DUAL = {"10.1.0.2", "fd00::2"}
V6ONLY = {"2001:db8::6"}
BIG = {big_ip(i) for i in range(100)}


def resolver_state():
    tasks = [ip_task("web.1", "web", "S-AGENT-0", ["10.1.0.1"], "[31000-31001]"),
             ip_task("dual.1", "dual", "S-AGENT-0", ["10.1.0.2", "fd00::2"]),
             ip_task("v6only.1", "v6only", "S-AGENT-6", [], "[32000-32000]")]
    tasks += [ip_task("big.%d" % i, "big", "S-AGENT-0", [big_ip(i)]) for i in range(100)]
    return ip_state(tasks)


def _private_netns():
    """True when this process sees a network namespace with lo only (the
    one tests/run_system.sh makes), where binding port 53 and changing lo
    touch nothing of the machine's."""
    try:
        names = [n for _, n in socket.if_nameindex()]
    except OSError:
        return False
    return names == ["lo"]


@pytest.fixture(scope="module")
def env(tmp_path_factory, mdns_bin):
    if os.geteuid() != 0 or not _private_netns():
        pytest.skip("needs root in a private network namespace (tests/run_system.sh)")
    for tool in ("unshare", "mount", "getent"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed" % tool)
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a mount namespace: %s" % probe.stderr.decode())
    base = tmp_path_factory.mktemp("resolvers")
    for name, text in list(RESOLV.items()) + [("nobody", NOBODY)]:
        (base / ("resolv-%s.conf" % name)).write_text(text)
    (base / "nsswitch.conf").write_text("hosts: files dns\n")
    m = harness.FakeMaster(base / "master", state=resolver_state()).start()
    d = harness.Daemon(base / "daemon", master=m, binary=mdns_bin,
                       config={"EventsOn": False, "listener": NS, "port": 53})
    d.start()
    try:
        d.wait_ready()
        # our own check first: the server itself is there
        assert harness.rrset_values(d.dns("web.marathon.mesos.", "A")) == WEB
        yield base, d
    finally:
        d.stop()
        m.stop()


@pytest.fixture
def v6_address(env):
    """A non-loopback IPv6 address on lo (our private namespace only), so
    that glibc's AI_ADDRCONFIG lets AF_INET6 look-ups through."""
    have = subprocess.run(["ip", "-6", "addr", "show", "dev", "lo"],
                          capture_output=True, text=True).stdout
    if V6_ADDR in have:
        yield
        return
    r = subprocess.run(["ip", "-6", "addr", "add", V6_ADDR + "/128", "dev", "lo"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot add %s to lo: %s" % (V6_ADDR, r.stderr))
    try:
        yield
    finally:
        subprocess.run(["ip", "-6", "addr", "del", V6_ADDR + "/128", "dev", "lo"],
                       capture_output=True)


def client(env, variant, argv, timeout=45):
    """Run argv with our resolv.conf (and a plain nsswitch.conf) seen only
    by it; return the CompletedProcess (text)."""
    base, _ = env
    script = ('mount --bind "$0" /etc/resolv.conf && '
              'mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"')
    cmd = ["unshare", "-m", "sh", "-c", script,
           str(base / ("resolv-%s.conf" % variant)), str(base / "nsswitch.conf")] + list(argv)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def norm(addr):
    ip = ipaddress.ip_address(addr)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return "::ffff:%s" % ip.ipv4_mapped
    return ip.compressed


def getent(env, variant, db, name):
    """(exit status, set of addresses, canonical name) of getent DB NAME."""
    r = client(env, variant, ["getent", db, name])
    addrs, canon = set(), None
    for line in r.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        addrs.add(norm(parts[0]))
        if len(parts) >= 3 and canon is None:
            canon = parts[2]
    return r.returncode, addrs, canon


def fqdn(variant, short):
    return short if variant.startswith("search") else short + ".marathon.mesos"


# --------------------------------------------------------------------------
# glibc: getent ahosts / ahostsv6

def test_resolver_control(env):
    """The answers come from our server through the private resolv.conf:
    pointed elsewhere, the same look-up fails, and the real resolv.conf
    outside the client's namespace is untouched."""
    before = Path("/etc/resolv.conf").read_bytes()
    rc, addrs, _ = getent(env, "nobody", "ahosts", "web.marathon.mesos")
    assert (rc, addrs) == (2, set())
    rc, addrs, _ = getent(env, "plain", "ahosts", "web.marathon.mesos")
    assert (rc, addrs) == (0, WEB)
    assert Path("/etc/resolv.conf").read_bytes() == before


@pytest.mark.parametrize("variant", VARIANTS)
def test_resolver_getent_ahosts(env, variant):
    # the A-only name: the AAAA question is NODATA, glibc keeps the A
    rc, addrs, canon = getent(env, variant, "ahosts", fqdn(variant, "web"))
    assert (rc, addrs) == (0, WEB)
    assert canon == "web.marathon.mesos"
    rc, addrs, _ = getent(env, variant, "ahosts", fqdn(variant, "dual"))
    assert (rc, addrs) == (0, DUAL)
    # the AAAA-only name: the A question is NODATA
    rc, addrs, _ = getent(env, variant, "ahosts", fqdn(variant, "v6only"))
    assert (rc, addrs) == (0, V6ONLY)
    # mixed case works too
    rc, addrs, _ = getent(env, variant, "ahosts", "WeB.Marathon.MESOS")
    assert (rc, addrs) == (0, WEB)
    # unknown: status 2 (not found), nothing printed
    rc, addrs, _ = getent(env, variant, "ahosts", fqdn(variant, "nope"))
    assert (rc, addrs) == (2, set())


@pytest.mark.parametrize("variant", ["plain", "edns0"])
def test_resolver_getent_hosts(env, variant):
    """gethostbyname2-style look-ups (getent hosts: AF_INET6 first, then
    AF_INET after NODATA)."""
    r = client(env, variant, ["getent", "hosts", "web.marathon.mesos"])
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == ["10.1.0.1"]
    r = client(env, variant, ["getent", "hosts", "v6only.marathon.mesos"])
    assert r.returncode == 0 and r.stdout.split()[0] == "2001:db8::6"
    r = client(env, variant, ["getent", "hosts", "nope.marathon.mesos"])
    assert r.returncode == 2 and r.stdout == ""


@pytest.mark.parametrize("variant", VARIANTS)
def test_resolver_getent_ahostsv6(env, variant, v6_address):
    # A-only: NODATA for AAAA, then (AI_V4MAPPED) the A as a mapped address
    rc, addrs, _ = getent(env, variant, "ahostsv6", fqdn(variant, "web"))
    assert (rc, addrs) == (0, {"::ffff:10.1.0.1"})
    rc, addrs, _ = getent(env, variant, "ahostsv6", fqdn(variant, "v6only"))
    assert (rc, addrs) == (0, V6ONLY)
    rc, addrs, _ = getent(env, variant, "ahostsv6", fqdn(variant, "dual"))
    assert (rc, addrs) == (0, {"fd00::2"})
    rc, addrs, _ = getent(env, variant, "ahostsv6", fqdn(variant, "nope"))
    assert (rc, addrs) == (2, set())


@pytest.mark.parametrize("variant", ["plain", "edns0"])
def test_resolver_getent_truncated_then_tcp(env, variant):
    """100 A records do not fit 512 bytes (nor edns0's 1200): TC, then
    glibc asks again over TCP and gets them all."""
    rc, addrs, _ = getent(env, variant, "ahosts", "big.marathon.mesos")
    assert rc == 0 and addrs == BIG


# --------------------------------------------------------------------------
# Python's socket.getaddrinfo (glibc underneath, no AI_ADDRCONFIG)

PY_LOOKUP = r"""
import json, socket, sys
out = []
for name, family, flags in json.loads(sys.argv[1]):
    try:
        res = socket.getaddrinfo(name, None, family, socket.SOCK_STREAM, 0, flags)
        out.append(sorted({r[4][0] for r in res}))
    except socket.gaierror as e:
        out.append(e.errno)
print(json.dumps(out))
"""


def py_lookup(env, variant, queries):
    r = client(env, variant, [harness.PYTHON, "-c", PY_LOOKUP, json.dumps(queries)])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("variant", VARIANTS)
def test_resolver_python_getaddrinfo(env, variant):
    u, v4, v6 = socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6
    web, v6only = (fqdn(variant, n) for n in ("web", "v6only"))
    nope = "nope.marathon.mesos"
    got = py_lookup(env, variant, [
        [web, u, 0], [web, v4, 0], [web, v6, 0], [web, v6, socket.AI_V4MAPPED],
        [v6only, u, 0], [v6only, v4, 0], [v6only, v6, 0],
        [fqdn(variant, "dual"), u, 0],
        [nope, u, 0], [nope, v4, 0], [nope, v6, 0],
        ["big.marathon.mesos", v4, 0],
        ["nope", u, 0],
    ])
    assert got[0] == ["10.1.0.1"]
    assert got[1] == ["10.1.0.1"]
    # the name exists without AAAA: "no address" (EAI_NODATA), not "unknown"
    assert got[2] == socket.EAI_NODATA
    assert got[3] == ["::ffff:10.1.0.1"]
    assert got[4] == ["2001:db8::6"]
    assert got[5] == socket.EAI_NODATA
    assert got[6] == ["2001:db8::6"]
    assert set(got[7]) == DUAL
    # unknown names: "Name or service not known" whatever the family
    assert got[8] == got[9] == got[10] == socket.EAI_NONAME
    assert set(got[11]) == BIG
    # a single label ends up asked as "nope." (after nope.marathon.mesos.
    # with the search list), which is outside the domain: REFUSED with
    # externalon false (dns.md §6), which glibc reports as a temporary
    # failure, as with the original (glibc's TCP path says "unknown")
    assert got[12] in ((socket.EAI_AGAIN, socket.EAI_NONAME) if variant == "tcp"
                       else (socket.EAI_AGAIN,))


# --------------------------------------------------------------------------
# bind9's host

def host(env, variant, *args):
    if shutil.which("host") is None:
        pytest.skip("host (bind9-host) not installed")
    return client(env, variant, ["host", "-W", "3"] + list(args))


@pytest.mark.parametrize("variant", ["plain", "search", "edns0"])
def test_resolver_host_srv(env, variant):
    target = "web-%s-0.marathon.slave.mesos." % _hash("web.1")
    r = host(env, variant, "-t", "SRV", "_web._tcp.marathon.mesos")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(r.stdout.splitlines()) == [
        "_web._tcp.marathon.mesos has SRV record 0 1 31000 " + target,
        "_web._tcp.marathon.mesos has SRV record 0 1 31001 " + target]
    # the target's address, as a client would look it up next
    r = host(env, variant, "-t", "A", target)
    assert r.stdout.strip() == "%s has address 10.0.0.3" % target.rstrip(".")
    # an SRV name with nothing: NOERROR, no record
    r = host(env, variant, "-t", "SRV", "_nope._tcp.marathon.mesos")
    assert "has no SRV record" in r.stdout
    # unknown name: NXDOMAIN
    r = host(env, variant, "-t", "A", "nope.marathon.mesos")
    assert r.returncode == 1
    assert "not found: 3(NXDOMAIN)" in r.stdout + r.stderr


@pytest.mark.parametrize("variant", ["plain", "search"])
def test_resolver_host_addresses(env, variant):
    r = host(env, variant, fqdn(variant, "dual"))
    assert r.returncode == 0
    lines = set(r.stdout.splitlines())
    assert "dual.marathon.mesos has address 10.1.0.2" in lines
    assert "dual.marathon.mesos has IPv6 address fd00::2" in lines
    r = host(env, variant, "-t", "AAAA", fqdn(variant, "web"))
    assert r.returncode == 0
    assert "web.marathon.mesos has no AAAA record" in r.stdout
    r = host(env, variant, "-t", "AAAA", fqdn(variant, "v6only"))
    assert r.stdout.strip() == "v6only.marathon.mesos has IPv6 address 2001:db8::6"
    # 100 A: host retries over TCP after TC, and with -T uses TCP at once
    for args in (["-t", "A"], ["-T", "-t", "A"]):
        r = host(env, variant, *args, "big.marathon.mesos")
        assert r.returncode == 0
        got = {line.split()[-1] for line in r.stdout.splitlines() if "has address" in line}
        assert got == BIG, args


# --------------------------------------------------------------------------
# Java's InetAddress

@pytest.fixture(scope="module")
def java_cmd(tmp_path_factory):
    """The command that runs Lookup: compiled with javac when there is
    one, else the single-file source launcher; skip without a JDK."""
    if shutil.which("java") is None:
        pytest.skip("java not installed")
    if shutil.which("javac") is not None:
        out = tmp_path_factory.mktemp("javaclasses")
        r = subprocess.run(["javac", "-d", str(out), str(LOOKUP_JAVA)],
                           capture_output=True, text=True, timeout=120)
        if r.returncode == 0:
            return ["java", "-cp", str(out), "Lookup"]
    r = subprocess.run(["java", str(LOOKUP_JAVA)], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        pytest.skip("java cannot run Lookup.java (no JDK?): %s" % r.stderr[-300:])
    return ["java", str(LOOKUP_JAVA)]


def java_lookup(env, variant, java_cmd, names):
    r = client(env, variant, java_cmd + list(names), timeout=55)
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        name, _, result = line.partition("\t")
        out[name] = result if "Exception" in result else {norm(a) for a in result.split(",")}
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_resolver_java(env, variant, java_cmd):
    names = [fqdn(variant, n) for n in ("web", "dual", "v6only", "nope")]
    got = java_lookup(env, variant, java_cmd, names + ["big.marathon.mesos"])
    assert got[names[0]] == WEB
    assert got[names[1]] == DUAL
    assert got[names[2]] == V6ONLY
    assert got[names[3]] == "UnknownHostException"
    assert got["big.marathon.mesos"] == BIG


def _hash(task_id):
    """records.md §7.3: zbase32 of the task id's SHA1, 5 characters."""
    z = "ybndrfg8ejkmcpqxot1uwisza345h769"
    bits = "".join(format(b, "08b") for b in hashlib.sha1(task_id.encode()).digest())
    return "".join(z[int(bits[5 * i:5 * i + 5], 2)] for i in range(5))
