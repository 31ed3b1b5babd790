"""test_config_errors.py -- what an operator sees when the configuration or
the command line is wrong (spec/config.md, spec/README.md exit codes).

Every bad configuration must end the daemon with status 1 and exactly one
line on stderr ("ERROR: ..." in the original's log format) that says what
is wrong; nothing is served.  Flags follow Go's flag package: -version
prints and exits 0, an unknown flag exits 2, glog's flags are accepted.
"""

import re
import socket
import subprocess

import pytest

import harness

LOG_LINE = re.compile(r"^ERROR: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \S+:\d+: (.*)$")


def http_only(**extra):
    # HTTP only; state polling only (no operator API event stream).
    cfg = {"dnson": False, "EventsOn": False, "stateTimeoutSeconds": 5}
    cfg.update(extra)
    return cfg


def run_bad(daemon_factory, timeout=10.0, **kw):
    """Start a daemon that must refuse to run; return (its message, daemon)."""
    d = daemon_factory(ready=False, **kw)
    status = d.wait_exit(timeout)
    err = d.stderr_text()
    lines = [l for l in err.splitlines() if l.strip()]
    assert status == 1, "exit %s\n%s" % (status, d.log_text())
    assert len(lines) == 1, "want one line on stderr, got:\n%s" % err
    m = LOG_LINE.match(lines[0])
    assert m, "not in the log format: %r" % lines[0]
    return m.group(1), d


def config_path(d):
    return str(d.config_path.resolve())


def test_missing_file(daemon_factory, tmp_path):
    missing = tmp_path / "nowhere" / "config.json"
    msg, _ = run_bad(daemon_factory, config=http_only(),
                     args=["-config", str(missing)])
    assert msg == 'missing configuration file: "%s"' % missing


def test_missing_relative_file_reported_absolute(daemon_factory):
    msg, d = run_bad(daemon_factory, config=http_only(),
                     args=["--config=absent.json"])
    assert msg == 'missing configuration file: "%s"' % (
        d.workdir.resolve() / "absent.json")


def test_config_path_is_a_directory(daemon_factory, tmp_path):
    msg, _ = run_bad(daemon_factory, config=http_only(), args=["-config", str(tmp_path)])
    assert msg == 'missing configuration file: "%s"' % tmp_path


def test_empty_file(daemon_factory):
    msg, d = run_bad(daemon_factory, config_text="")
    assert msg.startswith('failed to unmarshal config file "%s": ' % config_path(d))


def test_malformed_json(daemon_factory):
    msg, d = run_bad(daemon_factory, config_text='{"masters": ["127.0.0.1:5050"],')
    assert msg.startswith('failed to unmarshal config file "%s": ' % config_path(d))
    assert len(msg) > len('failed to unmarshal config file "": ') + len(config_path(d))


def test_not_an_object(daemon_factory):
    msg, d = run_bad(daemon_factory, config_text='["127.0.0.1:5050"]')
    assert msg == ('failed to unmarshal config file "%s": json: cannot unmarshal '
                   'array into Go value of type records.Config' % config_path(d))


@pytest.mark.parametrize("key,value,detail", [
    ("refreshSeconds", "60", "string into Go struct field Config.RefreshSeconds of type int"),
    ("HttpPort", 8123.5, "number 8123.5 into Go struct field Config.HttpPort of type int"),
    ("SRVRecordDefaultWeight", 70000,
     "number 70000 into Go struct field Config.SRVRecordDefaultWeight of type uint16"),
    ("httpon", "true", "string into Go struct field Config.HttpOn of type bool"),
    ("masters", "127.0.0.1:5050", "string into Go struct field Config.Masters of type []string"),
    ("MesosCredentials", 5,
     "number into Go struct field Config.MesosCredentials of type records.BasicCredentials"),
    ("MesosCredentials", {"Principal": 5},
     "number into Go struct field Config.MesosCredentials.Principal of type string"),
    ("MesosCredentials", {"\u017fecret": True},
     "bool into Go struct field Config.MesosCredentials.Secret of type string"),
    ("ZoneTransferTSIG", "x",
     "string into Go struct field Config.ZoneTransferTSIG of type ZoneTransferTSIG"),
    ("ZoneTransferTSIG", {"name": 1},
     "number into Go struct field Config.ZoneTransferTSIG.Name of type string"),
])
def test_wrong_type(daemon_factory, key, value, detail):
    msg, d = run_bad(daemon_factory, config=http_only(**{key: value}))
    assert msg == 'failed to unmarshal config file "%s": json: cannot unmarshal %s' % (
        config_path(d), detail)


def test_bad_master(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1"], config=http_only())
    assert "masters" in msg and "127.0.0.1" in msg


def test_duplicate_master(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050", "127.0.0.1:5050"],
                     config=http_only())
    assert "duplicate" in msg and "127.0.0.1:5050" in msg


def test_dns_and_http_off(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config={"dnson": False, "httpon": False})
    assert msg == "service validation failed: either DNS or HTTP server should be on"


def test_no_masters_no_zk(daemon_factory):
    msg, _ = run_bad(daemon_factory, config=http_only())
    assert "masters" in msg and "zookeeper" in msg


def test_bad_ip_sources(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(IPSources=["host", "rkt"]))
    assert msg == 'IPSources validation failed: invalid ip source "rkt"'


def test_null_ip_sources(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(IPSources=None))
    assert msg == "IPSources validation failed: empty ip sources"


def test_bad_domain(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(domain="My_Cluster"))
    assert msg == "my_cluster is not a valid domain name"


def test_state_timeout_zero(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(stateTimeoutSeconds=0))
    assert msg == "Invalid HTTP Timeout: 0"


@pytest.mark.parametrize("value", [0, -1])
def test_refresh_seconds_not_positive(daemon_factory, value):
    # The original starts and then panics (exit 2); we refuse at once.
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(refreshSeconds=value))
    assert "RefreshSeconds" in msg and str(value) in msg


@pytest.mark.parametrize("key,value,bounds", [
    ("refreshSeconds", 9223372036854775807, "(1 to 604800)"),
    ("timeout", 9223372036854775807, "(0 to 300)"),
    ("ForwardCacheSize", 1 << 40, "(0 to 1048576)"),
    ("ttl", -1, "(0 to 2147483647)"),
    ("zkDetectionTimeout", -5, "(0 to 86400)"),
])
def test_integer_out_of_range(daemon_factory, key, value, bounds):
    # The original overflowed refreshSeconds * 1000 and timeout * 1000 and
    # allocated whatever cache size it was given; every number is bounded.
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(**{key: value}))
    canonical = {"refreshSeconds": "RefreshSeconds", "timeout": "Timeout",
                 "ttl": "TTL", "zkDetectionTimeout": "ZkDetectionTimeout"}.get(key, key)
    assert msg == "invalid %s: %d %s" % (canonical, value, bounds)


def test_non_ip_listener(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(listener="dns.example.com"))
    assert "Listener" in msg and "dns.example.com" in msg


def test_bad_resolver(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(externalon=True, resolvers=["resolver.example"]))
    assert "resolvers" in msg and "resolver.example" in msg


def test_unknown_auth(daemon_factory):
    msg, _ = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                     config=http_only(MesosAuthentication="kerberos"))
    assert msg == "unregistered factory requested"


def test_nothing_served_after_config_error(daemon_factory):
    _, d = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                   config=http_only(domain="bad domain"))
    with pytest.raises(OSError):
        d.get("/v1/version", timeout=1.0)


# ---- command line -------------------------------------------------------

def run_bin(mdns_bin, *args, timeout=10):
    return subprocess.run([str(mdns_bin)] + list(args), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("flag", ["-version", "--version", "-version=true"])
def test_version(mdns_bin, flag):
    out = run_bin(mdns_bin, flag, "-config", "/nonexistent.json")
    assert out.returncode == 0
    assert re.fullmatch(r"\S+\n", out.stdout), out.stdout
    assert out.stderr == ""


def test_version_matches_http(mdns_bin, master_factory, daemon_factory):
    version = run_bin(mdns_bin, "-version").stdout.strip()
    d = daemon_factory(master=master_factory(), config=http_only())
    status, body = d.get_json("/v1/version")
    assert status == 200 and body["Version"] == version


@pytest.mark.parametrize("args", [["-bogus"], ["--no-such-flag=1"],
                                  ["-v"], ["-v=abc"], ["-config"]])
def test_bad_flag_exits_2(mdns_bin, args):
    out = run_bin(mdns_bin, *args)
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert out.stdout == ""
    assert "-" + args[0].lstrip("-").split("=")[0] in out.stderr
    assert "Usage" in out.stderr


def test_glog_flags_accepted(master_factory, daemon_factory):
    m = master_factory()
    d = daemon_factory(master=m, config=http_only(), refresh_seconds=1, args=[
        "-logtostderr", "-alsologtostderr=false", "-stderrthreshold", "ERROR",
        "-log_dir=/tmp", "-vmodule", "foo=1", "-log_backtrace_at=x.go:1", "-v=2"])
    assert d.get("/v1/version")[0] == 200
    # -v=2: very verbose lines on stdout.
    d.wait_log(r"^VERY VERBOSE: \d{4}/\d\d/\d\d ", timeout=5)
    assert "VERY VERBOSE: " in d.stdout_text()
    assert "ERROR" not in d.stderr_text()


def test_default_verbosity_is_quiet(master_factory, daemon_factory):
    d = daemon_factory(master=master_factory(), config=http_only(), refresh_seconds=1)
    d.wait_ready()
    # Let a few refreshes pass: a healthy daemon logs nothing by default.
    first = d.axfr()["Serial"]
    harness.wait_until(lambda: d.axfr()["Serial"] > first, 5,
                       message="a later refresh")
    assert d.stdout_text() == ""
    assert d.stderr_text() == ""


def test_help(mdns_bin):
    out = run_bin(mdns_bin, "-h")
    assert out.returncode in (0, 2)
    assert "-config" in out.stderr


def test_http_port_in_use(master_factory, daemon_factory):
    """The HTTP API binds at start (its /readyz answers before the first
    load); failure ends the daemon with status 1 and the original's
    message."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        msg, _ = run_bad(daemon_factory, master=master_factory(),
                         config=http_only(httpport=port))
    assert msg.startswith("failed to setup http server: ")
    assert str(port) in msg


def test_zone_transfer_keys_checked_at_start(daemon_factory):
    """The zone-transfer keys are checked before anything is served; the
    TSIG secret never appears in the message."""
    msg, _ = run_bad(daemon_factory, config=http_only(
        masters=["127.0.0.1:5050"], ZoneTransferAllow=["127.0.0.1/32", "x/8"]))
    assert msg == ('invalid ZoneTransferAllow entry 1: "x/8" is not an '
                   'address or CIDR prefix')
    msg, _ = run_bad(daemon_factory, config=http_only(
        masters=["127.0.0.1:5050"],
        ZoneTransferTSIG={"name": "k", "secret": "c2VjcmV0*"}))
    assert msg.startswith("invalid ZoneTransferTSIG")
    assert "c2VjcmV0" not in msg
