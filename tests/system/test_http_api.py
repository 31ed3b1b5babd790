"""test_http_api.py -- the HTTP API of spec/http.md, as a client sees it.

One daemon (HTTP only) serves tests/data/http_api_state.json from our fake
master; every test looks at status, content type and body of one endpoint.
The expected records are worked out by hand from spec/records.md for that
state (two agents, one IPv6; marathon with two `web` instances, a killed
task and a DiscoveryInfo task `api`; chronos without pid or tasks).
"""

import json
import subprocess
from pathlib import Path

import pytest

import harness
from harness import task_hash

DATA = Path(__file__).resolve().parents[1] / "data"
STATE = DATA / "http_api_state.json"

WEB1 = "web-%s-s0.marathon" % task_hash("web.0001")
WEB2 = "web-%s-s1.marathon" % task_hash("web.0002")
API = "api-%s-s0.marathon" % task_hash("api.0001")

EXPECTED_AS = {
    "chronos.mesos.": ["10.1.0.3"],
    "leader.mesos.": ["127.0.0.1"],
    "marathon.mesos.": ["10.1.0.2"],
    "master.mesos.": ["127.0.0.1"],
    "master0.mesos.": ["127.0.0.1"],
    "ns1.mesos.": ["127.0.0.1"],
    "slave.mesos.": ["10.1.0.10"],
    "web.marathon.mesos.": ["10.2.0.1", "10.2.0.2"],
    WEB1 + ".mesos.": ["10.2.0.1"],
    WEB2 + ".mesos.": ["10.2.0.2"],
    "web.marathon.slave.mesos.": ["10.1.0.10"],
    WEB1 + ".slave.mesos.": ["10.1.0.10"],
    "api.marathon.mesos.": ["10.3.0.1", "10.3.0.2"],
    API + ".mesos.": ["10.3.0.1", "10.3.0.2"],
    "api.marathon.slave.mesos.": ["10.1.0.10"],
    API + ".slave.mesos.": ["10.1.0.10"],
}
EXPECTED_AAAAS = {
    "slave.mesos.": ["2001:db8::11"],
    "web.marathon.mesos.": ["fd00::1"],
    WEB1 + ".mesos.": ["fd00::1"],
    "web.marathon.slave.mesos.": ["2001:db8::11"],
    WEB2 + ".slave.mesos.": ["2001:db8::11"],
    "api.marathon.mesos.": ["fd00::3"],
    API + ".mesos.": ["fd00::3"],
}
_WEB_SRV = [WEB1 + ".slave.mesos.:31000", WEB2 + ".slave.mesos.:31001"]
EXPECTED_SRVS = {
    "_framework._tcp.marathon.mesos.": ["marathon.mesos.:8080"],
    "_leader._tcp.mesos.": ["leader.mesos.:5050"],
    "_leader._udp.mesos.": ["leader.mesos.:5050"],
    "_slave._tcp.mesos.": ["slave.mesos.:5051"],
    "_web._tcp.marathon.slave.mesos.": _WEB_SRV,
    "_web._udp.marathon.slave.mesos.": _WEB_SRV,
    "_web._tcp.marathon.mesos.": _WEB_SRV,
    "_web._udp.marathon.mesos.": _WEB_SRV,
    "_api._tcp.marathon.mesos.": [API + ".mesos.:8080"],
    "_http._api._tcp.marathon.mesos.": [API + ".mesos.:8080"],
}


def rec(name, host, rtype):
    return {"name": name, "host": host, "rtype": rtype}


def _srv4(target):
    return [rec("_web._tcp.marathon.slave.mesos.", target, "SRV"),
            rec("_web._udp.marathon.slave.mesos.", target, "SRV"),
            rec("_web._tcp.marathon.mesos.", target, "SRV"),
            rec("_web._udp.marathon.mesos.", target, "SRV")]


EXPECTED_ENUMERATE = {"frameworks": [
    {"tasks": [
        {"name": "web", "id": "web.0001", "records": [
            rec("web.marathon.mesos.", "10.2.0.1", "A"),
            rec(WEB1 + ".mesos.", "10.2.0.1", "A"),
            rec("web.marathon.mesos.", "fd00::1", "AAAA"),
            rec(WEB1 + ".mesos.", "fd00::1", "AAAA"),
            rec("web.marathon.slave.mesos.", "10.1.0.10", "A"),
            rec(WEB1 + ".slave.mesos.", "10.1.0.10", "A"),
        ] + _srv4(WEB1 + ".slave.mesos.:31000")},
        {"name": "web", "id": "web.0002", "records": [
            rec("web.marathon.mesos.", "10.2.0.2", "A"),
            rec(WEB2 + ".mesos.", "10.2.0.2", "A"),
            rec("web.marathon.slave.mesos.", "2001:db8::11", "AAAA"),
            rec(WEB2 + ".slave.mesos.", "2001:db8::11", "AAAA"),
        ] + _srv4(WEB2 + ".slave.mesos.:31001")},
        {"name": "api-task", "id": "api.0001", "records": [
            rec("api.marathon.mesos.", "10.3.0.1", "A"),
            rec(API + ".mesos.", "10.3.0.1", "A"),
            rec("api.marathon.mesos.", "10.3.0.2", "A"),
            rec(API + ".mesos.", "10.3.0.2", "A"),
            rec("api.marathon.mesos.", "fd00::3", "AAAA"),
            rec(API + ".mesos.", "fd00::3", "AAAA"),
            rec("api.marathon.slave.mesos.", "10.1.0.10", "A"),
            rec(API + ".slave.mesos.", "10.1.0.10", "A"),
            rec("_api._tcp.marathon.mesos.", API + ".mesos.:8080", "SRV"),
            rec("_http._api._tcp.marathon.mesos.", API + ".mesos.:8080", "SRV"),
        ]},
    ], "name": "marathon"},
    {"tasks": [], "name": "chronos"},
]}

NOT_FOUND = b"404: Page Not Found"
TEXT = "text/plain; charset=utf-8"


def http_only(**extra):
    # HTTP only; state polling only (no operator API event stream).
    cfg = {"dnson": False, "EventsOn": False, "stateTimeoutSeconds": 5}
    cfg.update(extra)
    return cfg


@pytest.fixture
def api(master_factory, daemon_factory):
    """A ready daemon serving http_api_state.json."""
    m = master_factory(state=STATE)
    return daemon_factory(master=m, config=http_only(), refresh_seconds=60)


def body_json(d, path, **kw):
    status, headers, body = d.get(path, **kw)
    assert status == 200, (path, status, body)
    assert headers.get("Content-Type") == "application/json"
    return json.loads(body)


def sorted_records(doc):
    return {k: {name: sorted(v) for name, v in doc["Records"][k].items()}
            for k in ("As", "AAAAs", "SRVs")}


# ---- /v1/version, /v1/config ----------------------------------------------

def test_version_exact_bytes(api, mdns_bin):
    out = subprocess.run([str(mdns_bin), "-version"], capture_output=True,
                         timeout=10, text=True)
    version = out.stdout.strip()
    status, headers, body = api.get("/v1/version")
    assert status == 200
    assert headers.get("Content-Type") == "application/json"
    assert body == (b'{\n  "Service": "Mesos-DNS",\n'
                    b'  "URL": "https://github.com/mesosphere/mesos-dns",\n'
                    b'  "Version": "' + version.encode() + b'"\n }')


def test_config_masks_secret_and_names_file(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    # A relative -config (it comes last, so it wins) is reported absolute.
    d = daemon_factory(master=m, refresh_seconds=60, config=http_only(
        MesosAuthentication="basic",
        MesosCredentials={"principal": "ops", "secret": "hunter2"},
        SOARname="admin@ns1.mesos", domain="Mesos"),
        args=["-config", "config.json"])
    status, headers, body = d.get("/v1/config")
    assert status == 200
    assert headers.get("Content-Type") == "application/json"
    assert b"hunter2" not in body
    doc = json.loads(body)
    assert doc["MesosCredentials"] == {"Principal": "ops", "Secret": "******"}
    assert doc["File"] == str(d.config_path.resolve())
    assert Path(doc["File"]).is_absolute()
    assert doc["Masters"] == [m.address]
    assert doc["SOARname"] == "admin.ns1.mesos."
    assert doc["Domain"] == "mesos"
    assert doc["DnsOn"] is False and doc["HttpOn"] is True
    assert doc["HttpPort"] == d.http_port
    # The serial is the one of the records being served.
    assert doc["SOASerial"] == body_json(d, "/v1/axfr")["Serial"]
    # Original field order first.
    keys = list(doc)
    assert keys[:5] == ["RefreshSeconds", "Port", "Timeout",
                        "StateTimeoutSeconds", "ZkDetectionTimeout"]
    assert keys.index("MesosAuthentication") == keys.index("IAMConfigFile") + 1


def test_config_secret_empty_when_unset(api):
    doc = body_json(api, "/v1/config")
    assert doc["MesosCredentials"] == {"Principal": "", "Secret": ""}
    assert doc["ZoneResolvers"] == {}


# ---- /v1/hosts -------------------------------------------------------------

def test_hosts_a_then_aaaa(api):
    doc = body_json(api, "/v1/hosts/web.marathon.mesos")
    assert [e["host"] for e in doc] == ["web.marathon.mesos."] * 3
    ips = [e["ip"] for e in doc]
    # Every A value first (in any order), then every AAAA value.
    assert sorted(ips[:2]) == ["10.2.0.1", "10.2.0.2"]
    assert ips[2:] == ["fd00::1"]
    assert [list(e) for e in doc] == [["host", "ip"]] * 3


def test_hosts_aaaa_only(api):
    doc = body_json(api, "/v1/hosts/" + WEB2 + ".slave.mesos.")
    assert doc == [{"host": WEB2 + ".slave.mesos.", "ip": "2001:db8::11"}]


def test_hosts_case_insensitive_and_wildcard_removal(api):
    want = [{"host": "slave.mesos.", "ip": "10.1.0.10"},
            {"host": "slave.mesos.", "ip": "2001:db8::11"}]
    assert body_json(api, "/v1/hosts/SLAVE.Mesos") == want
    assert body_json(api, "/v1/hosts/slave.mesos.") == want
    # Every ".*" is removed before the look-up.
    assert body_json(api, "/v1/hosts/slave.*.mesos.*") == want
    # A trailing slash is accepted once.
    assert body_json(api, "/v1/hosts/slave.mesos/") == want


def test_hosts_percent_decoded(api):
    assert body_json(api, "/v1/hosts/slave%2Emesos") == [
        {"host": "slave.mesos.", "ip": "10.1.0.10"},
        {"host": "slave.mesos.", "ip": "2001:db8::11"}]


def test_hosts_unknown_name(api):
    empty = [{"host": "", "ip": ""}]
    assert body_json(api, "/v1/hosts/nothing.mesos") == empty
    # Outside the domain: no forwarding, just not found.
    assert body_json(api, "/v1/hosts/example.com") == empty
    # A name that is only an SRV owner has no address.
    assert body_json(api, "/v1/hosts/_web._tcp.marathon.mesos") == empty


def test_hosts_wildcard_only_is_200(api):
    # The original panics (500 with a stack dump); gaps.md A.10.
    status, headers, body = api.get("/v1/hosts/.*")
    assert status == 200
    assert json.loads(body) == [{"host": "", "ip": ""}]
    status, _, body = api.get("/v1/services/.*")
    assert status == 200
    assert json.loads(body) == [{"service": "", "host": "", "ip": "", "port": ""}]


def test_hosts_exact_layout(api):
    status, _, body = api.get("/v1/hosts/marathon.mesos")
    assert status == 200
    assert body == (b'[\n  {\n   "host": "marathon.mesos.",\n'
                    b'   "ip": "10.1.0.2"\n  }\n ]')


def test_host_ports_not_implemented(api):
    status, headers, body = api.get("/v1/hosts/web.marathon.mesos/ports")
    assert status == 501
    assert body == b"To be implemented..."
    assert "json" not in (headers.get("Content-Type") or "")


def test_host_ports_any_host_name(api):
    status, _, body = api.get("/v1/hosts/ssh.marathon.mesos/ports")
    assert (status, body) == (501, b"To be implemented...")


# ---- /v1/services -----------------------------------------------------------

def test_services_one_ip_per_family(api):
    doc = body_json(api, "/v1/services/_api._tcp.marathon.mesos.")
    assert [list(e) for e in doc] == [["service", "host", "ip", "port"]] * 2
    assert all(e["service"] == "_api._tcp.marathon.mesos." for e in doc)
    assert all(e["host"] == API + ".mesos." and e["port"] == "8080" for e in doc)
    # One A (either of the two) then one AAAA.
    assert doc[0]["ip"] in ("10.3.0.1", "10.3.0.2")
    assert doc[1]["ip"] == "fd00::3"


def test_services_echo_service_as_given(api):
    doc = body_json(api, "/v1/services/_WEB._tcp.Marathon.mesos")
    assert {e["service"] for e in doc} == {"_WEB._tcp.Marathon.mesos"}
    got = sorted((e["host"], e["ip"], e["port"]) for e in doc)
    assert got == sorted([(WEB1 + ".slave.mesos.", "10.1.0.10", "31000"),
                          (WEB2 + ".slave.mesos.", "2001:db8::11", "31001")])


def test_services_unknown(api):
    empty = [{"service": "", "host": "", "ip": "", "port": ""}]
    assert body_json(api, "/v1/services/_nothing._tcp.mesos") == empty
    # A name with addresses but no SRV.
    assert body_json(api, "/v1/services/web.marathon.mesos") == empty


# ---- /v1/enumerate, /v1/axfr -------------------------------------------------

def test_axfr(api):
    doc = body_json(api, "/v1/axfr")
    assert list(doc) == ["TTL", "Serial", "RefreshSeconds", "Mname", "Rname",
                         "Domain", "Records"]
    assert doc["TTL"] == 60
    assert doc["RefreshSeconds"] == 60
    assert doc["Mname"] == "ns1.mesos."
    assert doc["Rname"] == "root.ns1.mesos."
    assert doc["Domain"] == "mesos"
    assert isinstance(doc["Serial"], int) and doc["Serial"] > 1600000000
    assert list(doc["Records"]) == ["As", "AAAAs", "SRVs"]
    got = sorted_records(doc)
    assert got["As"] == {k: sorted(v) for k, v in EXPECTED_AS.items()}
    assert got["AAAAs"] == {k: sorted(v) for k, v in EXPECTED_AAAAS.items()}
    assert got["SRVs"] == {k: sorted(v) for k, v in EXPECTED_SRVS.items()}
    # Names appear sorted bytewise, as Go prints a map.
    for kind in ("As", "AAAAs", "SRVs"):
        names = list(doc["Records"][kind])
        assert names == sorted(names, key=lambda s: s.encode())


def test_enumerate(api):
    assert body_json(api, "/v1/enumerate") == EXPECTED_ENUMERATE


def test_enumeration_off(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, refresh_seconds=60, ready=False,
                       config=http_only(EnumerationOn=False))
    harness.wait_until(lambda: _answers(d, "/v1/hosts/slave.mesos"), 10,
                       message="HTTP to come up")
    assert body_json(d, "/v1/hosts/slave.mesos")[0]["ip"] == "10.1.0.10"
    for path in ("/v1/enumerate", "/v1/axfr", "/v1/axfr/"):
        status, headers, body = d.get(path)
        assert (status, body) == (404, NOT_FOUND), path
        assert headers.get("Content-Type") == TEXT
    assert d.get("/v1/version")[0] == 200


def _answers(d, path):
    try:
        return d.get(path, timeout=1.0)[0] == 200
    except OSError:
        return False


# ---- errors ------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/", "/v1", "/v1/", "/v1/nothing", "/v1/version//", "/v1/hosts",
    "/v1/hosts/", "/v1/services/", "/v1/hosts/a/b", "/v1/services/x/ports",
    "/v1/hosts/x/ports/more", "/V1/version", "/v1/version/extra",
])
def test_not_found(api, path):
    status, headers, body = api.get(path)
    assert (status, body) == (404, NOT_FOUND)
    assert headers.get("Content-Type") == TEXT


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_method_not_allowed(api, method):
    for path in ("/v1/version", "/v1/hosts/slave.mesos", "/v1/axfr"):
        status, headers, body = api.get(path, method=method)
        assert (status, body) == (405, b"405: Method Not Allowed"), path
        assert headers.get("Content-Type") == TEXT
    # An unknown path stays 404 whatever the method.
    assert api.get("/v1/nothing", method=method)[0] == 404


@pytest.mark.parametrize("accept,status", [
    ("application/json", 200),
    ("*/*", 200),
    ("text/html, application/json;q=0.9", 200),
    ("  application/json ; charset=utf-8 ", 200),
    ("text/html", 406),
    ("application/xml, text/plain", 406),
    ("application/*", 406),
])
def test_accept(api, accept, status):
    got, headers, body = api.get("/v1/version", headers={"Accept": accept})
    assert got == status
    if status == 406:
        assert body == b"406: Not Acceptable"
        assert headers.get("Content-Type") == TEXT


def test_unsupported_media_type(api):
    status, headers, body = api.get("/v1/version", body=b"{}",
                                    headers={"Content-Type": "text/plain"})
    assert (status, body) == (415, b"415: Unsupported Media Type")
    assert headers.get("Content-Type") == TEXT
    status, _, body = api.get("/v1/version", body=b"x")
    assert status == 415
    # A JSON body is fine (and ignored).
    status, _, body = api.get("/v1/version", body=b"{}",
                              headers={"Content-Type": "application/json"})
    assert status == 200
    assert json.loads(body)["Service"] == "Mesos-DNS"


def test_trailing_slash_once(api):
    for path in ("/v1/version/", "/v1/config/", "/v1/enumerate/", "/v1/axfr/"):
        assert api.get(path)[0] == 200, path
    assert api.get("/v1/config//")[0] == 404



def test_ipv6_http_listener(master_factory, daemon_factory):
    m = master_factory(state=STATE)
    d = daemon_factory(master=m, refresh_seconds=60,
                       config=http_only(httplistener="::1"))
    assert d.http_host == "::1"
    assert body_json(d, "/v1/hosts/chronos.mesos") == [
        {"host": "chronos.mesos.", "ip": "10.1.0.3"}]
    with pytest.raises(OSError):
        harness.Daemon.get(_on_v4(d), "/v1/version", timeout=1.0)


def _on_v4(d):
    class V4:
        http_host = "127.0.0.1"
        http_port = d.http_port
    return V4()
