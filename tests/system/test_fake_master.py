"""test_fake_master.py -- the fake Mesos master does what its --help says.

These run without the daemon, so the harness is known good before any
daemon test relies on it.  Requests are made with urllib (or raw sockets
where urllib would hide the misbehaviour under test).
"""

import base64
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import harness

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl CLI not installed")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, headers=None, data=None, context=None, follow=True, timeout=10):
    """(status, headers, body) from urllib, HTTP errors included."""
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    handlers = [] if follow else [NoRedirect()]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def raw_get(port, path="/master/state", timeout=10):
    """Send a GET on a raw socket; return (header bytes, body bytes) as
    received until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def content_length(head):
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


# --------------------------------------------------------------------------
# serving the state


def test_serves_state_on_every_master_path(master):
    want = harness.minimal_state()
    for path in ("/master/state", "/master/state.json", "/state.json", "/state",
                 "/master/state?jsonp=x"):
        status, headers, body = fetch("http://%s%s" % (master.address, path))
        assert status == 200, path
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == want, path


def test_unknown_path_404_and_wrong_method_405(master):
    assert fetch("http://%s/master/nope" % master.address)[0] == 404
    assert fetch(master.url, data=b"{}")[0] == 405


def test_prints_listening_line_and_writes_port_file(master):
    line = harness.wait_until(lambda: master.stdout_path.read_text().strip(), 5)
    assert line == "listening on 127.0.0.1:%d" % master.port
    assert master.port_path.read_text().strip() == str(master.port)


def test_state_file_is_reread_on_every_request(master):
    state = harness.minimal_state()
    state["frameworks"][0]["name"] = "swapped"
    master.set_state(state)
    assert json.loads(fetch(master.url)[2])["frameworks"][0]["name"] == "swapped"
    master.set_state(harness.minimal_state(leader="master@127.0.0.1:5051"))
    assert json.loads(fetch(master.url)[2])["leader"] == "master@127.0.0.1:5051"


def test_state_from_a_file_path(master_factory, tmp_path):
    src = tmp_path / "src.json"
    src.write_text(json.dumps({"leader": "master@127.0.0.1:5050", "slaves": []}))
    m = master_factory(state=src)
    assert json.loads(fetch(m.url)[2]) == {"leader": "master@127.0.0.1:5050", "slaves": []}
    m.set_state({"leader": "master@127.0.0.1:5050", "frameworks": []})
    assert json.loads(src.read_text())["slaves"] == [], "the original file was modified"


def test_missing_state_file_is_503(master):
    master.remove_state()
    assert fetch(master.url)[0] == 503
    master.set_state(harness.minimal_state())
    assert fetch(master.url)[0] == 200


def test_request_log_has_method_path_status_and_headers(master):
    fetch(master.url, headers={"User-Agent": "Mesos-DNS", "Content-Type": "application/json",
                               "Authorization": "Basic Zm9vOmJhcg=="})
    fetch("http://%s/nothing-here" % master.address)
    reqs = master.wait_requests(2)
    assert [(r["method"], r["path"], r["status"]) for r in reqs] == [
        ("GET", "/master/state", 200), ("GET", "/nothing-here", 404)]
    assert reqs[0]["headers"] == {"User-Agent": "Mesos-DNS",
                                  "Content-Type": "application/json",
                                  "Authorization": "Basic Zm9vOmJhcg=="}
    assert reqs[1]["headers"]["Authorization"] is None
    assert abs(reqs[0]["time"] - time.time()) < 60


# --------------------------------------------------------------------------
# faults


def test_delay_fault_set_and_cleared_at_runtime(master):
    master.set_faults(delay=1.0)
    t0 = time.monotonic()
    status, _, body = fetch(master.url)
    assert status == 200 and json.loads(body)["leader"]
    assert time.monotonic() - t0 >= 1.0
    master.set_faults()
    t0 = time.monotonic()
    fetch(master.url)
    assert time.monotonic() - t0 < 0.9


def test_delay_makes_a_short_client_timeout_fire(master):
    master.set_faults(delay=2)
    with pytest.raises((socket.timeout, urllib.error.URLError)):
        fetch(master.url, timeout=0.5)


def test_status_fault_with_text_body(master):
    master.set_faults(status=500)
    status, headers, body = fetch(master.url)
    assert status == 500
    assert headers["Content-Type"].startswith("text/plain")
    assert body.startswith(b"500 ")
    with pytest.raises(ValueError):
        json.loads(body)


def test_status_fault_with_state_body(master):
    master.set_faults(status=401, status_body="state")
    status, headers, body = fetch(master.url)
    assert status == 401
    assert json.loads(body) == harness.minimal_state()


def test_garbage_fault_serves_invalid_json(master):
    master.set_faults(garbage=True)
    status, _, body = fetch(master.url)
    assert status == 200
    assert body
    with pytest.raises(ValueError):
        json.loads(body)


def test_truncate_fault_sends_half_of_content_length_then_closes(master):
    master.set_faults(truncate=True)
    head, body = raw_get(master.port)
    assert head.startswith(b"HTTP/1.1 200")
    full = len(json.dumps(harness.minimal_state(), indent=1))
    assert content_length(head) == full
    assert 0 < len(body) <= full // 2 + 1
    with pytest.raises(http.client.IncompleteRead):
        fetch(master.url)


def test_close_fault_drops_the_connection_without_response(master):
    master.set_faults(close=True)
    head, body = raw_get(master.port)
    assert head == b"" and body == b""
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError,
                        urllib.error.URLError)):
        fetch(master.url)
    assert master.wait_requests(2)[0]["status"] == 0


def test_huge_fault_serves_valid_json_of_that_size(master):
    master.set_faults(huge_mb=3)
    status, headers, body = fetch(master.url, timeout=30)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body) == 3 * 1024 * 1024
    doc = json.loads(body)
    padding = doc.pop("x_padding")
    assert len(padding) > 3 * 1024 * 1024 - 4096
    assert doc == harness.minimal_state()


def test_huge_fault_is_streamed_not_built_in_memory(master):
    master.set_faults(huge_mb=400)
    with socket.create_connection(("127.0.0.1", master.port), timeout=10) as s:
        s.sendall(b"GET /master/state HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while len(got) < 2 * 1024 * 1024:
            chunk = s.recv(65536)
            assert chunk, "connection closed early"
            got += chunk
        assert content_length(got.partition(b"\r\n\r\n")[0]) == 400 * 1024 * 1024
        with open("/proc/%d/status" % master.proc.pid) as f:
            peak_kb = int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
    assert peak_kb < 100 * 1024, "fake master peaked at %d kB" % peak_kb
    master.set_faults()
    assert fetch(master.url)[0] == 200, "fake master did not survive a client hang-up"


def test_huge_and_truncate_combine(master):
    master.set_faults(huge_mb=1, truncate=True)
    head, body = raw_get(master.port)
    assert content_length(head) == 1024 * 1024
    assert len(body) == 512 * 1024


def test_no_leader_fault_drops_only_the_leader_key(master):
    master.set_faults(no_leader=True)
    status, _, body = fetch(master.url)
    want = harness.minimal_state()
    del want["leader"]
    assert status == 200 and json.loads(body) == want


def test_redirect_fault_points_at_another_master(master_factory):
    target_state = harness.minimal_state(leader="master@127.0.0.1:7070")
    target = master_factory(state=target_state)
    front = master_factory(faults={"redirect_to": target.address})
    status, headers, _ = fetch(front.url, follow=False)
    assert status == 307
    assert headers["Location"] == "http://%s/master/state" % target.address
    status, _, body = fetch(front.url)
    assert status == 200 and json.loads(body) == target_state


def test_command_line_faults_and_control_override(master_factory):
    m = master_factory(extra_args=["--status", "503", "--delay", "0.3"])
    t0 = time.monotonic()
    assert fetch(m.url)[0] == 503
    assert time.monotonic() - t0 >= 0.3
    m.set_faults(status=0, delay=0)
    assert fetch(m.url)[0] == 200
    m.set_faults(status=None)
    assert fetch(m.url)[0] == 200, "null should mean: fault off"
    m.set_faults()
    assert fetch(m.url)[0] == 503, "an empty control object should fall back to the flags"


def test_command_line_garbage_truncate_close_flags(master_factory):
    assert json.loads(fetch(master_factory().url)[2])
    with pytest.raises(ValueError):
        json.loads(fetch(master_factory(extra_args=["--garbage"]).url)[2])
    m = master_factory(extra_args=["--no-leader"])
    assert "leader" not in json.loads(fetch(m.url)[2])
    m = master_factory(extra_args=["--close"])
    assert raw_get(m.port) == (b"", b"")


# --------------------------------------------------------------------------
# basic auth


def test_basic_auth_required_when_configured(master_factory):
    m = master_factory(basic_auth="principal:s3cret")
    status, headers, _ = fetch(m.url)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    bad = "Basic " + base64.b64encode(b"principal:wrong").decode()
    assert fetch(m.url, headers={"Authorization": bad})[0] == 401
    good = "Basic " + base64.b64encode(b"principal:s3cret").decode()
    status, _, body = fetch(m.url, headers={"Authorization": good})
    assert status == 200 and json.loads(body)["leader"]
    assert [r["status"] for r in m.requests()] == [401, 401, 200]
    assert m.requests()[2]["headers"]["Authorization"] == good


# --------------------------------------------------------------------------
# TLS


def openssl(*args, cwd):
    subprocess.run([OPENSSL] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A CA, a server cert for 127.0.0.1 and a client cert, all from the CA."""
    if OPENSSL is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        (d / (name + ".ext")).write_text(ext + "\n")
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
                "-out", name + ".pem", cwd=d)
    return d


def test_tls_serves_state_over_https(master_factory, pki):
    m = master_factory(tls_cert=pki / "server.pem", tls_key=pki / "server.key")
    assert m.url.startswith("https://")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    status, _, body = fetch(m.url, context=ctx)
    assert status == 200 and json.loads(body) == harness.minimal_state()
    with pytest.raises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
        fetch(m.url.replace("https://", "http://"))
    untrusting = ssl.create_default_context()
    with pytest.raises(urllib.error.URLError):
        fetch(m.url, context=untrusting)


def test_tls_client_certificate_required_with_client_ca(master_factory, pki):
    m = master_factory(tls_cert=pki / "server.pem", tls_key=pki / "server.key",
                       tls_client_ca=pki / "ca.pem")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
        fetch(m.url, context=ctx)
    harness.wait_until(lambda: any(r["method"] == "TLS" for r in m.requests()), 5)
    ctx.load_cert_chain(str(pki / "client.pem"), str(pki / "client.key"))
    status, _, body = fetch(m.url, context=ctx)
    assert status == 200 and json.loads(body)["leader"]


# --------------------------------------------------------------------------
# DC/OS IAM login


@pytest.fixture(scope="session")
def iam_keys(tmp_path_factory):
    if OPENSSL is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("iam")
    for name in ("good", "other"):
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", name + ".key", cwd=d)
        openssl("pkey", "-in", name + ".key", "-pubout", "-out", name + ".pub", cwd=d)
    openssl("rsa", "-in", "good.key", "-RSAPublicKey_out", "-out", "good.rsapub", cwd=d)
    return d


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(key_path, claims, alg="RS256"):
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims, sort_keys=True).encode())
    signing_input = (head + "." + body).encode()
    sig = subprocess.run([OPENSSL, "dgst", "-sha256", "-sign", str(key_path)],
                         input=signing_input, stdout=subprocess.PIPE, check=True).stdout
    return head + "." + body + "." + b64url(sig)


def login(m, uid, token, ctype="application/json"):
    url = "http://%s/acs/api/v1/auth/login" % m.address
    data = json.dumps({"uid": uid, "token": token}).encode()
    return fetch(url, data=data, headers={"Content-Type": ctype})


@pytest.mark.parametrize("pubkey", ["good.pub", "good.rsapub"])
def test_iam_login_then_state_with_token(master_factory, iam_keys, pubkey):
    m = master_factory(iam_public_key=iam_keys / pubkey, iam_uid="mesos-dns",
                       iam_token="tok-42")
    assert fetch(m.url)[0] == 401
    jwt = make_jwt(iam_keys / "good.key", {"uid": "mesos-dns", "exp": int(time.time()) + 3600})
    status, _, body = login(m, "mesos-dns", jwt)
    assert status == 200 and json.loads(body) == {"token": "tok-42"}
    assert fetch(m.url, headers={"Authorization": "token=wrong"})[0] == 401
    status, _, body = fetch(m.url, headers={"Authorization": "token=tok-42"})
    assert status == 200 and json.loads(body)["leader"]


def test_iam_login_rejects_bad_tokens(master_factory, iam_keys):
    m = master_factory(iam_public_key=iam_keys / "good.pub", iam_uid="mesos-dns")
    now = int(time.time())
    good_claims = {"uid": "mesos-dns", "exp": now + 3600}
    assert login(m, "mesos-dns", make_jwt(iam_keys / "other.key", good_claims))[0] == 401
    expired = make_jwt(iam_keys / "good.key", {"uid": "mesos-dns", "exp": now - 10})
    assert login(m, "mesos-dns", expired)[0] == 401
    other_uid = make_jwt(iam_keys / "good.key", {"uid": "someone", "exp": now + 3600})
    assert login(m, "mesos-dns", other_uid)[0] == 401
    assert login(m, "someone", other_uid)[0] == 401, "uid not the configured one"
    jwt = make_jwt(iam_keys / "good.key", good_claims)
    tampered = jwt.rsplit(".", 1)[0][:-2] + "xx." + jwt.rsplit(".", 1)[1]
    assert login(m, "mesos-dns", tampered)[0] == 401
    assert login(m, "mesos-dns", "not-a-jwt")[0] == 401
    assert login(m, "mesos-dns", jwt, ctype="text/plain")[0] == 415
    assert login(m, "mesos-dns", jwt)[0] == 200
    m.set_faults(login_status=503)
    assert login(m, "mesos-dns", jwt)[0] == 503
