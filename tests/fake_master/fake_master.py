#!/usr/bin/python3
"""fake_master.py -- a fake Mesos master for the mesos-dns system tests.

Serves a state JSON file the way a Mesos master serves /master/state, so the
daemon under test can be driven without a real cluster, and misbehaves on
request (delays, error codes, broken bodies, redirects) so its fetch path can
be tested.  Python 3 standard library only; written for this project.

Usage:
  fake_master.py --state FILE --port N [--host 127.0.0.1] [--port-file F]
                 [--log F] [--control F] [fault flags] [TLS/auth flags]

State
  FILE is re-read on every request, so a test swaps the served state by
  replacing the file atomically (write a temporary file, then rename it).
  A missing or unreadable FILE answers 503.  Served (GET only; other methods
  405) at /master/state, /master/state.json, /state.json and /state; the
  query string is ignored.  Any other path: 404.

Faults (command-line flags; each is also a key of the --control object)
  --delay S            delay: sleep S seconds (float) before answering
  --status CODE        status: answer with CODE and a short text body ...
  --status-body state  status_body: ... or with the state as the body
  --garbage            garbage: serve invalid JSON
  --truncate           truncate: send the full Content-Length but only the
                       first half of the body, then close the connection
  --close              close: drop the connection without any response
  --huge-mb N          huge_mb: serve a valid JSON body of N MB (the state
                       object plus one key "x_padding" holding a giant
                       string), streamed in chunks, never built in memory
  --no-leader          no_leader: serve the state without its "leader" key
  --redirect-to H:P    redirect_to: answer 307, Location
                       http://H:P/master/state
  --control FILE       a JSON object re-read on every request; every key it
                       has overrides the flag of the same name (so
                       {"delay": 0} turns a --delay off).  Missing file = no
                       overrides.
  --login-status CODE  login_status: the IAM login endpoint answers CODE
  Faults (but login_status) apply to the state paths only.  They combine: delay first, then
  close, redirect_to, then the body (no_leader, then status/status_body,
  garbage, huge_mb), then truncate.

Security (all optional)
  --tls-cert F --tls-key F   serve HTTPS with this server certificate
  --tls-client-ca F          also require a client certificate signed by F
  --basic-auth P:S           state requests need "Authorization: Basic
                             base64(P:S)", else 401
  --iam-public-key F         enable DC/OS IAM: POST /acs/api/v1/auth/login
                             with {"uid","token"} where token is an RS256 JWT
                             (claims uid and exp) signed by the key matching
                             this PEM public key answers {"token": TOKEN};
                             state requests then need
                             "Authorization: token=TOKEN", else 401
  --iam-uid UID              the only uid the login accepts (default: any)
  --iam-token TOKEN          the token the login hands out
  POST /api/v1 (the v1 operator API) is routed but not implemented yet: 501.

Other
  --port 0 picks a free port.  Once listening, "listening on HOST:PORT" is
  printed on stdout and PORT is written (atomically) to --port-file.
  --log FILE appends one line per request:
    <unix time> <METHOD> <path> <status> <JSON object of the request headers
    Authorization, User-Agent, Content-Type (null when absent)>
  Status 0 means no response was sent (close fault, TLS handshake failure;
  for the latter METHOD is "TLS" and the JSON has an "error" key).
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

STATE_PATHS = ("/master/state", "/master/state.json", "/state.json", "/state")
LOGIN_PATH = "/acs/api/v1/auth/login"
API_V1_PATH = "/api/v1"
LOGGED_HEADERS = ("Authorization", "User-Agent", "Content-Type")

# Every fault: control-file key -> (default, converter).  The command line
# and the control file both feed this one table, so they cannot drift.
FAULTS = {
    "delay": (0.0, float),
    "status": (0, int),
    "status_body": ("text", str),
    "garbage": (False, bool),
    "truncate": (False, bool),
    "close": (False, bool),
    "huge_mb": (0.0, float),
    "no_leader": (False, bool),
    "redirect_to": ("", str),
    "login_status": (0, int),
}

CHUNK = 64 * 1024


class StateMissing(Exception):
    """The state file could not be read: the request gets 503."""


# --------------------------------------------------------------------------
# RS256 verification (stdlib has no RSA, and the test tool must not need
# third-party modules): a minimal DER reader for the public key and the
# PKCS#1 v1.5 encoding check of RFC 8017 section 8.2.2.

SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")


def der_read(buf, pos):
    """Return (tag, content, next_pos) of the DER element at pos."""
    if pos + 2 > len(buf):
        raise ValueError("DER element truncated")
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(buf):
            raise ValueError("bad DER length")
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    if pos + length > len(buf):
        raise ValueError("DER content truncated")
    return tag, buf[pos:pos + length], pos + length


def der_children(content):
    out = []
    pos = 0
    while pos < len(content):
        tag, value, pos = der_read(content, pos)
        out.append((tag, value))
    return out


def rsa_public_key_from_pem(text):
    """(n, e) from a "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1) PEM."""
    lines = [l.strip() for l in text.strip().splitlines()]
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN "):
        raise ValueError("not a PEM file")
    label = lines[0][len("-----BEGIN "):].rstrip("-")
    der = base64.b64decode("".join(l for l in lines[1:] if not l.startswith("-----")))
    tag, seq, _ = der_read(der, 0)
    if tag != 0x30:
        raise ValueError("public key is not a DER SEQUENCE")
    if label == "PUBLIC KEY":
        algo, bits = der_children(seq)[:2]
        if RSA_ENCRYPTION_OID not in algo[1] or bits[0] != 0x03:
            raise ValueError("not an RSA public key")
        tag, seq, _ = der_read(bits[1][1:], 0)  # skip the unused-bits byte
    elif label != "RSA PUBLIC KEY":
        raise ValueError("unsupported PEM type %r" % label)
    n, e = (int.from_bytes(v, "big") for t, v in der_children(seq)[:2])
    return n, e


def rs256_verify(key, signing_input, signature):
    n, e = key
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    digest = hashlib.sha256(signing_input).digest()
    t = SHA256_DIGEST_INFO + digest
    if k < len(t) + 11:
        return False
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check_jwt(token, key, want_uid):
    """Return None if token is a valid RS256 JWT for want_uid, else why not."""
    parts = token.split(".")
    if len(parts) != 3:
        return "token is not a JWT"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error):
        return "token is not valid base64url JSON"
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        return "token alg is not RS256"
    if not rs256_verify(key, (parts[0] + "." + parts[1]).encode(), signature):
        return "token signature does not verify"
    if not isinstance(claims, dict) or claims.get("uid") != want_uid:
        return "token uid claim does not match"
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= time.time():
        return "token has expired or has no exp claim"
    return None


# --------------------------------------------------------------------------


class Master:
    """Everything the handlers share: options, the request log, faults."""

    def __init__(self, opts):
        self.opts = opts
        self.log_lock = threading.Lock()
        self.iam_key = None
        if opts.iam_public_key:
            with open(opts.iam_public_key) as f:
                self.iam_key = rsa_public_key_from_pem(f.read())
        self.basic = None
        if opts.basic_auth:
            self.basic = "Basic " + base64.b64encode(opts.basic_auth.encode()).decode()

    def faults(self):
        """The faults in force for this request: flags, then --control."""
        out = {k: getattr(self.opts, k) for k in FAULTS}
        if self.opts.control:
            try:
                with open(self.opts.control) as f:
                    ctl = json.load(f)
            except FileNotFoundError:
                ctl = {}
            except (OSError, ValueError) as e:
                print("fake_master: ignoring control file: %s" % e, file=sys.stderr)
                ctl = {}
            if not isinstance(ctl, dict):
                ctl = {}
            for key, value in ctl.items():
                if key not in FAULTS:
                    print("fake_master: unknown control key %r" % key, file=sys.stderr)
                    continue
                default, conv = FAULTS[key]
                out[key] = default if value is None else conv(value)
        return out

    def read_state(self):
        try:
            with open(self.opts.state, "rb") as f:
                return f.read()
        except OSError as e:
            raise StateMissing(str(e))

    def log(self, method, path, status, headers, extra=None):
        if not self.opts.log:
            return
        logged = {h: headers.get(h) if headers is not None else None for h in LOGGED_HEADERS}
        if extra:
            logged.update(extra)
        line = "%.6f %s %s %d %s\n" % (time.time(), method, path, status,
                                      json.dumps(logged, sort_keys=True))
        with self.log_lock:
            with open(self.opts.log, "a") as f:
                f.write(line)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-mesos-master/1"
    sys_version = ""

    # (method or None for any, path) -> handler method name.  A path listed
    # with some method but asked with another answers 405.
    ROUTES = {("GET", p): "serve_state" for p in STATE_PATHS}
    ROUTES.update({
        ("POST", LOGIN_PATH): "serve_login",
        ("POST", API_V1_PATH): "serve_api_v1",
    })

    master = None  # set by main()

    # ---- plumbing -------------------------------------------------------

    def setup(self):
        ctx = self.server.tls_context
        if ctx is not None:
            self.request.settimeout(10)
            try:
                self.request = ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.master.log("TLS", "/", 0, None, {"error": str(e)})
                raise
            self.request.settimeout(None)
            self.connection = self.request
        super().setup()

    def log_message(self, fmt, *args):
        pass  # the --log file is the request log; keep stderr for errors

    def dispatch(self, method):
        path = self.path.split("?", 1)[0]
        name = self.ROUTES.get((method, path))
        if name is None:
            self.read_body()  # keep a kept-alive connection in step
            if any(p == path for _, p in self.ROUTES):
                return self.reply(405, "405 Method Not Allowed\n")
            return self.reply(404, "404 Not Found\n")
        return getattr(self, name)()

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_head(self, status, length, ctype, extra=()):
        self.master.log(self.command, self.path, status, self.headers)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def reply(self, status, body, ctype="text/plain; charset=utf-8", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_head(status, len(body), ctype, extra)
        self.wfile.write(body)

    def drop(self):
        self.master.log(self.command, self.path, 0, self.headers)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def authorised(self):
        """Check the credentials a state request must carry; reply if not."""
        got = self.headers.get("Authorization")
        if self.master.basic is not None and not (
                got is not None and hmac.compare_digest(got, self.master.basic)):
            self.reply(401, "401 Unauthorized\n",
                       extra=[("WWW-Authenticate", 'Basic realm="Mesos master"')])
            return False
        if self.master.iam_key is not None and got != "token=" + self.master.opts.iam_token:
            self.reply(401, "401 Unauthorized\n",
                       extra=[("WWW-Authenticate", "acsjwt")])
            return False
        return True

    # ---- /master/state --------------------------------------------------

    def serve_state(self):
        if not self.authorised():
            return
        f = self.master.faults()
        if f["delay"] > 0:
            time.sleep(f["delay"])
        if f["close"]:
            return self.drop()
        if f["redirect_to"]:
            location = "http://%s/master/state" % f["redirect_to"]
            return self.reply(307, "307 Temporary Redirect\n",
                              extra=[("Location", location)])
        try:
            body = self.master.read_state()
        except StateMissing as e:
            return self.reply(503, "503 Service Unavailable: %s\n" % e)
        if f["no_leader"]:
            obj = json.loads(body)
            obj.pop("leader", None)
            body = json.dumps(obj, indent=1).encode()
        status = f["status"] or 200
        if f["status"] and f["status_body"] != "state":
            body = ("%d %s\n" % (status, self.responses.get(status, ("fault",))[0])).encode()
            ctype = "text/plain; charset=utf-8"
        else:
            ctype = "application/json"
        if f["garbage"]:
            body = body[:len(body) // 2] + b'\x00<this is not JSON>'
        if f["huge_mb"] > 0:
            return self.serve_huge(status, body, f["huge_mb"], f["truncate"])
        if f["truncate"]:
            self.send_head(status, len(body), ctype)
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.reply(status, body, ctype)

    def serve_huge(self, status, body, mb, truncate):
        text = body.rstrip()
        obj = json.loads(text)
        if not isinstance(obj, dict) or not text.endswith(b"}"):
            return self.reply(500, "huge_mb needs a JSON object as state\n")
        head = text[:-1] + (b"," if obj else b"") + b'"x_padding":"'
        tail = b'"}'
        pad = max(0, int(mb * 1024 * 1024) - len(head) - len(tail))
        total = len(head) + pad + len(tail)
        self.send_head(status, total, "application/json")
        limit = total // 2 if truncate else total
        sent = 0
        try:
            for piece in self.huge_pieces(head, pad, tail):
                if sent + len(piece) > limit:
                    piece = piece[:limit - sent]
                self.wfile.write(piece)
                sent += len(piece)
                if sent >= limit:
                    break
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on the body: that is what we test
        if truncate:
            self.close_connection = True

    @staticmethod
    def huge_pieces(head, pad, tail):
        yield head
        block = b"x" * CHUNK
        while pad > 0:
            n = min(pad, CHUNK)
            yield block[:n]
            pad -= n
        yield tail

    # ---- IAM login ------------------------------------------------------

    def serve_login(self):
        m = self.master
        body = self.read_body()
        if m.iam_key is None:
            return self.reply(404, "404 Not Found: IAM is not enabled\n")
        forced = m.faults()["login_status"]
        if forced:
            return self.reply(forced, "%d forced by the control file\n" % forced)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            return self.iam_error(415, "Content-Type must be application/json")
        try:
            req = json.loads(body)
        except ValueError:
            return self.iam_error(400, "request body is not JSON")
        if not isinstance(req, dict) or not isinstance(req.get("uid"), str) \
                or not isinstance(req.get("token"), str):
            return self.iam_error(400, "request body needs string uid and token")
        if m.opts.iam_uid is not None and req["uid"] != m.opts.iam_uid:
            return self.iam_error(401, "unknown uid")
        why = check_jwt(req["token"], m.iam_key, req["uid"])
        if why is not None:
            return self.iam_error(401, why)
        self.reply(200, json.dumps({"token": m.opts.iam_token}), "application/json")

    def iam_error(self, status, why):
        self.reply(status, json.dumps({"title": "login failed", "description": why,
                                       "code": "ERR_INVALID_LOGIN"}),
                   "application/json")

    # ---- v1 operator API ------------------------------------------------

    def serve_api_v1(self):
        # TODO: GET_STATE and the SUBSCRIBE event stream (spec/events.md).
        self.read_body()
        if not self.authorised():
            return
        self.reply(501, "501 Not Implemented: v1 operator API\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls_context = None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, socket.timeout)):
            return  # a client that hung up or failed the handshake
        super().handle_error(request, client_address)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state", required=True, help="state JSON file (re-read per request)")
    p.add_argument("--port", type=int, required=True, help="TCP port, 0 = pick a free one")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--log", help="append one line per request")
    p.add_argument("--control", help="JSON object of faults, re-read per request")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--status", type=int, default=0)
    p.add_argument("--status-body", dest="status_body", choices=("text", "state"), default="text")
    p.add_argument("--garbage", action="store_true")
    p.add_argument("--truncate", action="store_true")
    p.add_argument("--close", action="store_true")
    p.add_argument("--huge-mb", dest="huge_mb", type=float, default=0.0)
    p.add_argument("--no-leader", dest="no_leader", action="store_true")
    p.add_argument("--redirect-to", dest="redirect_to", default="", metavar="HOST:PORT")
    p.add_argument("--login-status", dest="login_status", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca")
    p.add_argument("--basic-auth", metavar="PRINCIPAL:SECRET")
    p.add_argument("--iam-public-key")
    p.add_argument("--iam-uid")
    p.add_argument("--iam-token", default="fake-iam-token-0123456789")
    opts = p.parse_args(argv)
    if bool(opts.tls_cert) != bool(opts.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if opts.tls_client_ca and not opts.tls_cert:
        p.error("--tls-client-ca needs --tls-cert/--tls-key")
    if opts.basic_auth is not None and ":" not in opts.basic_auth:
        p.error("--basic-auth wants PRINCIPAL:SECRET")
    return opts


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    opts = parse_args(argv)
    Handler.master = Master(opts)
    server_class = Server
    if ":" in opts.host:
        class Server6(Server):
            address_family = socket.AF_INET6
        server_class = Server6
    server = server_class((opts.host, opts.port), Handler)
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        if opts.tls_client_ca:
            ctx.load_verify_locations(opts.tls_client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        server.tls_context = ctx
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on %s:%d" % (opts.host, port), flush=True)
    if opts.port_file:
        write_atomic(opts.port_file, "%d\n" % port)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
