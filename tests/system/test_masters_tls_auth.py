"""test_masters_tls_auth.py -- static masters under faults, HTTPS and
authentication (spec/masters.md §3-§6, spec/config.md, docs/compat.md).

test_faults.py already covers one master misbehaving in every way, the
first static master dead at start, and the plain leader redirect; here:
failover between two masters while one misbehaves and back when it heals,
all masters failing at once, the leader redirect over HTTPS with a client
certificate and credentials, certificate verification (own CA, wrong CA,
system store, MesosHTTPSInsecure), client certificates, basic auth and the
DC/OS IAM login (token reused, login again after a 401), and the
configuration errors of all these.

Masters are fake masters on distinct loopback addresses (127.0.0.2, ...),
each serving a state whose leader names itself and whose one task is named
after the master (its "tag"), so DNS tells which master a zone came from.
Certificates and keys are made with openssl in a temporary directory.
"""

import base64
import json
import re
import subprocess
import time

import pytest

import harness
from harness import (LogCursor, a_records, hold_serving, serves, start_tagged_master,
                     wait_serves)

LOG_LINE = re.compile(r"^ERROR: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \S+:\d+: (.*)$")
KEEP = r"; keeping old DNS state$"
LOGIN = "/acs/api/v1/auth/login"


# --------------------------------------------------------------------------
# certificates


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=30)


class Pki:
    """Two CAs; a server certificate from each for 127.0.0.1-127.0.0.5, and
    one from the first CA for 127.0.0.9 only; a client certificate from the
    first; an RSA key pair for IAM."""

    def __init__(self, d):
        self.dir = d
        for ca in ("ca", "ca2"):
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", ca + ".key", "-out", ca + ".pem",
                    "-subj", "/CN=mesos-dns test %s" % ca,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
        sans = ",".join("IP:127.0.0.%d" % i for i in range(1, 6))
        (d / "server.ext").write_text(
            "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=%s\n" % sans)
        (d / "other.ext").write_text(
            "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.9\n")
        (d / "client.ext").write_text(
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        for name, ca, ext in (("server", "ca", "server.ext"),
                              ("server2", "ca2", "server.ext"),
                              ("other", "ca", "other.ext"),
                              ("client", "ca", "client.ext")):
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                    "-out", name + ".csr", "-subj", "/CN=%s" % name, cwd=d)
            openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                    "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
                    "-out", name + ".pem", "-extfile", ext, cwd=d)
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", "iam.key", cwd=d)
        openssl("pkey", "-in", "iam.key", "-pubout", "-out", "iam.pub", cwd=d)

    def __getattr__(self, name):
        # pki.ca_pem -> <dir>/ca.pem, pki.server_key -> <dir>/server.key
        base, _, ext = name.rpartition("_")
        if base and ext in ("pem", "key", "pub"):
            return str(self.dir / ("%s.%s" % (base, ext)))
        raise AttributeError(name)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


# --------------------------------------------------------------------------
# helpers


def zone_is(records, m):
    """An /v1/axfr "Records" object holds m's state."""
    As = records.get("As") or {}
    return (As.get("leader.mesos.") == [m.host]
            and As.get("%s.marathon.mesos." % m.tag) == ["10.0.0.3"])


def wait_switch(d, old, new, timeout, what=""):
    """Wait until DNS answers with new's state; until then every /v1/axfr
    (one consistent view) is old's zone or new's, never anything else."""
    t0 = time.monotonic()
    while not serves(d, new):
        recs = d.axfr()["Records"]
        assert zone_is(recs, old) or zone_is(recs, new), recs
        assert time.monotonic() - t0 < timeout, "%s not served after %gs:\n%s" % (
            new.tag, timeout, what)
        time.sleep(0.02)
    return time.monotonic() - t0


def run_bad(daemon_factory, **kw):
    """A daemon that must refuse to start: its one stderr message."""
    d = daemon_factory(ready=False, **kw)
    status = d.wait_exit(10)
    lines = [l for l in d.stderr_text().splitlines() if l.strip()]
    assert status == 1, "exit %s\n%s" % (status, d.log_text())
    assert len(lines) == 1, d.stderr_text()
    m = LOG_LINE.match(lines[0])
    assert m, lines[0]
    with pytest.raises(OSError):
        d.get("/v1/version", timeout=1.0)
    return m.group(1)


def assert_never_ready(d, line):
    """The daemon (started with ready=False) logs line within 5 s, and a
    second later still runs without having served: no records yet."""
    d.wait_log(line, timeout=5)
    time.sleep(1.0)
    assert d.returncode is None
    harness.assert_no_records_served(d)


def https(pki, **extra):
    cfg = {"MesosHTTPSOn": True, "CACertFile": pki.ca_pem, "stateTimeoutSeconds": 2}
    cfg.update(extra)
    return cfg


# --------------------------------------------------------------------------
# failover between static masters


def fault_on(m, fault):
    if fault == "gone":
        m.stop()
    else:
        m.set_faults(**fault)


def heal(master_factory, m, fault):
    if fault == "gone":
        return start_tagged_master(master_factory, m.host, m.tag, port=m.port)
    m.set_faults()
    return m


FAULTS = [{"status": 500}, {"garbage": True}, {"no_leader": True}, {"delay": 3},
          {"close": True}, "gone"]
FAULT_IDS = ["http500", "garbage", "no-leader", "hang", "closed", "gone"]


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_first_master_fails_second_used_then_first_again(master_factory,
                                                         daemon_factory, fault):
    """masters [m1, m2]: m1 misbehaves -> m2's state within one refresh
    (plus stateTimeoutSeconds for a hang); m1 heals -> m1 again."""
    m1 = start_tagged_master(master_factory, "127.0.0.2", "first")
    m2 = start_tagged_master(master_factory, "127.0.0.3", "second")
    d = daemon_factory(master=[m1, m2], config={"stateTimeoutSeconds": 1},
                       refresh_seconds=1)
    wait_serves(d, m1)
    assert a_records(d, "master0.mesos.") == ["127.0.0.2"]
    assert a_records(d, "master1.mesos.") == ["127.0.0.3"]
    log = LogCursor(d)
    fault_on(m1, fault)
    wait_switch(d, m1, m2, 4.5, log.text())
    log.wait(r"^ERROR: .*master %s.*; trying the next master$" % re.escape(m1.address))
    assert "keeping old DNS state" not in log.text()
    m1 = heal(master_factory, m1, fault)
    wait_serves(d, m1, timeout=4)
    assert d.returncode is None


def test_all_masters_failing_keep_last_zone(master_factory, daemon_factory):
    m1 = start_tagged_master(master_factory, "127.0.0.2", "first")
    m2 = start_tagged_master(master_factory, "127.0.0.3", "second")
    d = daemon_factory(master=[m1, m2], config={"stateTimeoutSeconds": 1},
                       refresh_seconds=1)
    wait_serves(d, m1)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    m1.set_faults(status=500)
    m2.set_faults(garbage=True)
    log.wait(r"^ERROR: .*Error generating records: master %s sent a bad state: .*%s"
             % (re.escape(m2.address), KEEP))
    hold_serving(d, m1, 2.5, axfr)
    # One line per master per attempt, each naming its master.
    for line in log.errors():
        assert (m1.address in line and "HTTP 500; trying the next master" in line) or \
            (m2.address in line and re.search(KEEP, line)), line
    # The second heals: its state within one refresh.
    m2.set_faults()
    t0 = time.monotonic()
    # One refresh (1 s), with 5x room for a busy machine.
    wait_serves(d, m2, timeout=6)
    assert time.monotonic() - t0 < 5.0
    m1.set_faults()
    wait_serves(d, m1, timeout=3)


def test_redirect_to_leader_over_https_with_auth(pki, master_factory, daemon_factory):
    """The configured master is a follower whose state names another
    leader: the leader (same port, other host) is asked, over HTTPS with the
    client certificate and the credentials."""
    tls = dict(tls_cert=pki.server_pem, tls_key=pki.server_key,
               tls_client_ca=pki.ca_pem, basic_auth="dns:s3cret-basic")
    leader = start_tagged_master(master_factory, "127.0.0.3", "leaderstate", **tls)
    follower = start_tagged_master(master_factory, "127.0.0.2", "followerstate",
                                   port=leader.port, leader=leader.address, **tls)
    d = daemon_factory(master=follower, config=https(
        pki, CertFile=pki.client_pem, KeyFile=pki.client_key,
        MesosAuthentication="basic",
        MesosCredentials={"principal": "dns", "secret": "s3cret-basic"}))
    wait_serves(d, leader)
    assert a_records(d, "followerstate.marathon.mesos.") == []
    want = "Basic " + base64.b64encode(b"dns:s3cret-basic").decode()
    for m in (follower, leader):
        reqs = m.state_requests()
        assert reqs and all(r["status"] == 200 for r in reqs), reqs
        assert all(r["headers"]["Authorization"] == want for r in reqs)


# --------------------------------------------------------------------------
# HTTPS


def test_https_with_ca_served(pki, master_factory, daemon_factory):
    m = start_tagged_master(master_factory, "127.0.0.2", "secure",
                            tls_cert=pki.server_pem, tls_key=pki.server_key)
    d = daemon_factory(master=m, config=https(pki))
    wait_serves(d, m)
    reqs = m.requests()
    assert [r["status"] for r in reqs if r["method"] == "GET"][:1] == [200]
    assert not [r for r in reqs if r["method"] == "TLS"], reqs


def test_https_wrong_ca_refused_keeps_zone(pki, master_factory, daemon_factory):
    """The master comes back with a certificate from another CA: refused,
    one clear line per attempt naming MesosHTTPSInsecure, the zone kept;
    back with the right one: served again."""
    m = start_tagged_master(master_factory, "127.0.0.2", "before",
                            tls_cert=pki.server_pem, tls_key=pki.server_key)
    d = daemon_factory(master=m, config=https(pki), refresh_seconds=1)
    wait_serves(d, m)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    m.stop()
    impostor = start_tagged_master(master_factory, m.host, "impostor", port=m.port,
                                   tls_cert=pki.server2_pem, tls_key=pki.server2_key)
    line = (r"^ERROR: .*Error generating records: master %s: certificate verification "
            r"failed \(.*\); set CACertFile to the master's CA, or MesosHTTPSInsecure "
            r"to skip the check as the original did%s" % (re.escape(m.address), KEEP))
    log.wait(line)
    hold_serving(d, m, 2.5, axfr)
    assert log.errors() and all(re.match(line, l) for l in log.errors()), log.errors()
    assert not impostor.state_requests()
    assert [r for r in impostor.requests() if r["method"] == "TLS"]
    impostor.stop()
    m = start_tagged_master(master_factory, m.host, "after", port=m.port,
                            tls_cert=pki.server_pem, tls_key=pki.server_key)
    wait_serves(d, m, timeout=4)


def test_https_certificate_for_another_address_refused(pki, master_factory,
                                                      daemon_factory):
    """Signed by the configured CA but issued to 127.0.0.9: the address
    is checked too."""
    m = start_tagged_master(master_factory, "127.0.0.2", "elsewhere",
                            tls_cert=pki.other_pem, tls_key=pki.other_key)
    d = daemon_factory(master=m, config=https(pki), ready=False)
    assert_never_ready(d, r"^ERROR: .*master %s: certificate verification failed .*"
                          r"MesosHTTPSInsecure.*%s" % (re.escape(m.address), KEEP))
    assert not m.state_requests()


def test_https_no_ca_verifies_against_system_store(pki, master_factory,
                                                   daemon_factory):
    """No CACertFile: the master is checked against the system store (the
    original skipped the check): refused, and the line says what to set."""
    m = start_tagged_master(master_factory, "127.0.0.2", "unknownca",
                            tls_cert=pki.server_pem, tls_key=pki.server_key)
    d = daemon_factory(master=m, config={"MesosHTTPSOn": True, "stateTimeoutSeconds": 2},
                       ready=False)
    assert_never_ready(d, r"^ERROR: .*master %s: certificate verification failed .*"
                          r"MesosHTTPSInsecure.*%s" % (re.escape(m.address), KEEP))
    assert not m.state_requests()


def test_https_insecure_without_ca_served(pki, master_factory, daemon_factory):
    m = start_tagged_master(master_factory, "127.0.0.2", "insecure",
                            tls_cert=pki.server2_pem, tls_key=pki.server2_key)
    d = daemon_factory(master=m, config={"MesosHTTPSOn": True,
                                         "MesosHTTPSInsecure": True})
    wait_serves(d, m)
    status, cfg = d.get_json("/v1/config")
    assert status == 200 and cfg.get("MesosHTTPSInsecure") is True


@pytest.mark.parametrize("with_cert", [True, False], ids=["with-cert", "without-cert"])
def test_client_certificate_required(pki, master_factory, daemon_factory, with_cert):
    m = start_tagged_master(master_factory, "127.0.0.2", "mtls",
                            tls_cert=pki.server_pem, tls_key=pki.server_key,
                            tls_client_ca=pki.ca_pem)
    extra = {"CertFile": pki.client_pem, "KeyFile": pki.client_key} if with_cert else {}
    d = daemon_factory(master=m, config=https(pki, **extra), ready=with_cert)
    if with_cert:
        wait_serves(d, m)
        return
    assert_never_ready(d, r"^ERROR: .*Error generating records: fetching state from "
                          r"master %s: .*%s" % (re.escape(m.address), KEEP))
    assert not m.state_requests()
    assert [r for r in m.requests() if r["method"] == "TLS"]


@pytest.mark.parametrize("setting,message", [
    ({"CACertFile": "{dir}/absent.pem"}, r"CACertFile open failed: {dir}/absent\.pem: "
                                         r"No such file or directory"),
    ({"CACertFile": "{dir}/garbage.pem"}, r"CACertFile parsing failed: .*"),
    ({"CACertFile": "{dir}"}, r"CACertFile .*"),
    ({"CertFile": "{pki}/client.pem"}, r"Missing private key"),
    ({"KeyFile": "{pki}/client.key"}, r"Missing certificate"),
    ({"CertFile": "{pki}/client.pem", "KeyFile": "{pki}/server.key"},
     r"failed to load the client certificate pair: .*"),
], ids=["ca-missing", "ca-garbage", "ca-directory", "cert-without-key",
        "key-without-cert", "pair-mismatch"])
def test_tls_file_errors_exit_1(pki, daemon_factory, tmp_path, setting, message):
    (tmp_path / "garbage.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    cfg = {k: v.format(dir=tmp_path, pki=pki.dir) for k, v in setting.items()}
    cfg["MesosHTTPSOn"] = True
    msg = run_bad(daemon_factory, master=["127.0.0.1:5050"], config=cfg)
    assert re.fullmatch(message.format(dir=re.escape(str(tmp_path))), msg), msg


# --------------------------------------------------------------------------
# basic authentication


def test_basic_auth_accepted(master_factory, daemon_factory):
    m = start_tagged_master(master_factory, "127.0.0.2", "basic",
                            basic_auth="dns-principal:pa55:word")
    d = daemon_factory(master=m, config={
        "MesosAuthentication": "basic",
        "MesosCredentials": {"principal": "dns-principal", "secret": "pa55:word"}})
    wait_serves(d, m)
    want = "Basic " + base64.b64encode(b"dns-principal:pa55:word").decode()
    reqs = m.state_requests()
    assert reqs and all(r["headers"]["Authorization"] == want for r in reqs)
    assert all(r["status"] == 200 for r in reqs)


def test_basic_auth_rejected_keeps_zone_secret_hidden(master_factory, daemon_factory):
    """The master's credentials change: 401, one line per attempt, the zone
    kept; the secret shows neither in the log (even at -v=2) nor in
    /v1/config."""
    secret = "Zebra-Secret-7781"
    m = start_tagged_master(master_factory, "127.0.0.2", "before",
                            basic_auth="dns:" + secret)
    d = daemon_factory(master=m, refresh_seconds=1, args=["-v=2"], config={
        "MesosAuthentication": "basic",
        "MesosCredentials": {"Principal": "dns", "Secret": secret}})
    wait_serves(d, m)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    m.stop()
    m2 = start_tagged_master(master_factory, m.host, "after", port=m.port,
                             basic_auth="dns:another-secret")
    line = (r"^ERROR: .*Error generating records: master %s answered HTTP 401 "
            r"\(authentication refused\)%s" % (re.escape(m.address), KEEP))
    log.wait(line)
    hold_serving(d, m, 2.5, axfr)
    assert log.errors() and all(re.match(line, l) for l in log.errors()), log.errors()
    assert [r["status"] for r in m2.state_requests()][:2] == [401, 401]
    status, _, body = d.get("/v1/config")
    assert status == 200
    text = d.log_text()
    encoded = base64.b64encode(("dns:" + secret).encode()).decode()
    for leak in (secret, encoded):
        assert leak not in text, "credential in the log"
        assert leak.encode() not in body, "credential in /v1/config"
    assert json.loads(body)["MesosCredentials"]["Principal"] == "dns"


def test_basic_auth_wrong_secret_never_served(master_factory, daemon_factory):
    m = start_tagged_master(master_factory, "127.0.0.2", "locked", basic_auth="dns:right")
    d = daemon_factory(master=m, ready=False, config={
        "MesosAuthentication": "basic", "stateTimeoutSeconds": 2,
        "MesosCredentials": {"principal": "dns", "secret": "wrong"}})
    assert_never_ready(d, r"^ERROR: .*master %s answered HTTP 401 \(authentication "
                          r"refused\)%s" % (re.escape(m.address), KEEP))
    assert "wrong" not in d.log_text()


# --------------------------------------------------------------------------
# IAM


def iam_file(tmp_path, pki, endpoint, uid="dns-svc", drop=None):
    doc = {"uid": uid, "private_key": (pki.dir / "iam.key").read_text(),
           "login_endpoint": endpoint}
    if drop:
        doc.pop(drop)
    path = tmp_path / "iam.json"
    path.write_text(json.dumps(doc))
    return str(path)


def iam_master(master_factory, pki, tag, token, port=None, tls=False):
    kw = dict(iam_public_key=pki.iam_pub, iam_uid="dns-svc", iam_token=token)
    if tls:
        kw.update(tls_cert=pki.server_pem, tls_key=pki.server_key)
    return start_tagged_master(master_factory, "127.0.0.2", tag, port=port, **kw)


def login_url(m):
    return "%s://%s%s" % ("https" if m.tls else "http", m.address, LOGIN)


def logins(m):
    return [r for r in m.requests() if r["method"] == "POST" and r["path"] == LOGIN]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_iam_login_once_token_reused(pki, master_factory, daemon_factory, tmp_path, tls):
    token = "iam-token-Q9x7Lm2"
    m = iam_master(master_factory, pki, "iam", token, tls=tls)
    cfg = {"MesosAuthentication": "iam",
           "IAMConfigFile": iam_file(tmp_path, pki, login_url(m))}
    if tls:
        cfg = https(pki, **cfg)
    d = daemon_factory(master=m, refresh_seconds=1, args=["-v=2"], config=cfg)
    wait_serves(d, m)
    # Several refreshes, one login.
    harness.wait_until(lambda: len(m.state_requests()) >= 4, 8, 0.1,
                       "four state requests")
    logged = logins(m)
    assert len(logged) == 1, m.requests()
    assert logged[0]["status"] == 200
    assert logged[0]["headers"]["Content-Type"] == "application/json"
    reqs = m.state_requests()
    assert all(r["headers"]["Authorization"] == "token=" + token for r in reqs), reqs
    assert all(r["status"] == 200 for r in reqs)
    assert reqs[0]["time"] >= logged[0]["time"]
    text = d.log_text()
    assert token not in text
    assert "PRIVATE KEY" not in text and "MII" not in text


def fake_jwt(exp, uid="dns-svc"):
    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return "%s.%s.c2lnbmF0dXJl" % (enc({"alg": "RS256", "typ": "JWT"}),
                                    enc({"exp": exp, "uid": uid}))


def test_iam_token_refreshed_before_expiry(pki, master_factory, daemon_factory,
                                           tmp_path):
    """The login hands out a token (a JWT) expiring in 303 s: it is used
    for about 3 s, then the daemon logs in again, before the token expires
    (5 minutes ahead).  The new login comes with the first request inside
    the margin: within one refresh (1 s) of it, plus slack for a slow
    (sanitized) build."""
    exp = int(time.time()) + 303
    token = fake_jwt(exp)
    m = iam_master(master_factory, pki, "expiring", token)
    d = daemon_factory(master=m, refresh_seconds=1, config={
        "MesosAuthentication": "iam", "stateTimeoutSeconds": 2,
        "IAMConfigFile": iam_file(tmp_path, pki, login_url(m))})
    wait_serves(d, m)
    assert len(logins(m)) == 1
    harness.wait_until(lambda: len(logins(m)) >= 2, 8, 0.1, "a second login")
    second = logins(m)[1]["time"]
    assert exp - 300 - 1.5 <= second < exp - 300 + 1 + 1.5, (exp, second)
    reqs = m.state_requests()
    assert all(r["status"] == 200 and r["headers"]["Authorization"] == "token=" + token
               for r in reqs), reqs
    assert serves(d, m)


def test_iam_token_rejected_logs_in_again(pki, master_factory, daemon_factory, tmp_path):
    """The master stops accepting the token (a new one is handed out): one
    401, the zone kept, a new login, the new token used."""
    m = iam_master(master_factory, pki, "before", "token-one")
    d = daemon_factory(master=m, refresh_seconds=1, config={
        "MesosAuthentication": "iam", "stateTimeoutSeconds": 2,
        "IAMConfigFile": iam_file(tmp_path, pki, login_url(m))})
    wait_serves(d, m)
    harness.wait_until(lambda: len(m.state_requests()) >= 2, 5, 0.1)
    assert len(logins(m)) == 1
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    m.stop()
    m2 = iam_master(master_factory, pki, "after", "token-two", port=m.port)
    wait_switch(d, m, m2, 5, log.text())
    log.wait(r"^ERROR: .*master %s answered HTTP 401 \(authentication refused\)%s"
             % (re.escape(m.address), KEEP))
    gets = m2.state_requests()
    assert gets[0]["headers"]["Authorization"] == "token=token-one"
    assert gets[0]["status"] == 401
    assert len(logins(m2)) == 1
    assert all(r["headers"]["Authorization"] == "token=token-two" and r["status"] == 200
               for r in gets[1:]), gets
    time.sleep(2.2)
    assert len(logins(m2)) == 1


def test_iam_login_refused_keeps_zone(pki, master_factory, daemon_factory, tmp_path):
    m = iam_master(master_factory, pki, "iam", "tok")
    d = daemon_factory(master=m, refresh_seconds=1, config={
        "MesosAuthentication": "iam", "stateTimeoutSeconds": 2,
        "IAMConfigFile": iam_file(tmp_path, pki, login_url(m))})
    wait_serves(d, m)
    axfr = d.axfr()["Records"]
    log = LogCursor(d)
    # The token is refused and so is the next login.
    m.set_faults(status=401, login_status=503)
    log.wait(r"^ERROR: .*Error generating records: IAM authentication failed.*%s" % KEEP)
    hold_serving(d, m, 2.0, axfr)
    m.set_faults()
    t0 = time.monotonic()
    harness.wait_until(lambda: logins(m)[-1]["status"] == 200 and
                       m.state_requests()[-1]["status"] == 200, 6, 0.05,
                       "a new login and a served state")
    assert time.monotonic() - t0 < 5.0
    assert serves(d, m)


class LoginServer:
    """An IAM login endpoint on loopback answering `body` to every POST,
    served by a thread of this test and shut down by it."""

    def __init__(self, body):
        import http.server
        import threading
        outer = self
        self.body = body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer((harness.LOOPBACK, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://%s:%d%s" % (harness.LOOPBACK, self.server.server_address[1], LOGIN)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_iam_deeply_nested_login_answer_keeps_zone(pki, master_factory, daemon_factory,
                                                   tmp_path):
    """A login answer nested 500,000 deep (answers are read up to 1 MiB):
    one line per attempt, the daemon stays up and keeps its zone, and logs
    in again once the answer is sane."""
    m = iam_master(master_factory, pki, "iam", "tok")
    login = LoginServer(b'{"token":"tok"}')
    try:
        d = daemon_factory(master=m, refresh_seconds=1, config={
            "MesosAuthentication": "iam", "stateTimeoutSeconds": 2,
            "IAMConfigFile": iam_file(tmp_path, pki, login.url)})
        wait_serves(d, m)
        axfr = d.axfr()["Records"]
        log = LogCursor(d)
        depth = 500000
        login.body = b'{"token":' + b"[" * depth + b"]" * depth + b"}"
        m.set_faults(status=401)    # the token is refused: log in again
        log.wait(r"^ERROR: .*IAM authentication failed: the answer of %s is not "
                 r"JSON: nesting deeper than 64%s" % (re.escape(login.url), KEEP))
        hold_serving(d, m, 2.0, axfr)
        assert d.returncode is None
        login.body = b'{"token":"tok"}'
        m.set_faults()
        harness.wait_until(lambda: m.state_requests()[-1]["status"] == 200, 10, 0.05,
                           "a served state after a sane login")
        assert serves(d, m)
    finally:
        login.stop()


@pytest.mark.parametrize("drop", ["uid", "private_key", "login_endpoint"])
def test_iam_config_missing_field_exits_1(pki, daemon_factory, tmp_path, drop):
    msg = run_bad(daemon_factory, master=["127.0.0.1:5050"], config={
        "MesosAuthentication": "iam",
        "IAMConfigFile": iam_file(tmp_path, pki, "http://127.0.0.1:1" + LOGIN,
                                  drop=drop)})
    assert msg == "invalid HTTP IAM configuration"


def test_iam_without_config_file_exits_1(daemon_factory):
    msg = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                  config={"MesosAuthentication": "iam"})
    assert msg == "missing configuration for specified authentication mechanism"


def test_iam_config_file_missing_exits_1(daemon_factory, tmp_path):
    path = tmp_path / "nowhere.json"
    msg = run_bad(daemon_factory, master=["127.0.0.1:5050"],
                  config={"MesosAuthentication": "iam", "IAMConfigFile": str(path)})
    assert msg.startswith("failed to load IAM config from file %s" % path), msg
