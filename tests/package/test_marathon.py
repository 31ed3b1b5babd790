"""test_marathon.py -- dist/marathon.json: schema-valid, and its command works.

The app is checked against Marathon's own AppDefinition schema (1.7), then
for what a DNS service needs from it, and finally its `cmd` is run the way a
Mesos executor would run it (as root in a sandbox, /bin/sh -c) with the
binary under test, answering on port 53 after dropping to nobody.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pytest

import harness
from conftest import REPO

APP = REPO / "dist" / "marathon.json"
SCHEMA = REPO.parent / "shared" / "ref" / "marathon-AppDefinition-1.7.json"


@pytest.fixture(scope="module")
def app():
    return json.loads(APP.read_text())


def test_app_is_valid_against_marathon_schema(app):
    if not SCHEMA.is_file():
        pytest.skip("Marathon schema not found at %s" % SCHEMA)
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    cls.check_schema(schema)
    errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
              for e in cls(schema).iter_errors(app)]
    assert errors == []


def test_app_runs_replicas_one_per_agent_on_port_53(app):
    cfg = {k.lower(): v for k, v in json.loads(app["env"]["MESOS_DNS_CONFIG"]).items()}
    assert app["instances"] >= 3
    assert ["hostname", "UNIQUE"] in app["constraints"]
    assert app["networks"] == [{"mode": "host"}]
    assert app["requirePorts"] is True
    ports = [p["port"] for p in app["portDefinitions"]]
    assert ports == [cfg["port"], cfg["httpport"]] and cfg["port"] == 53
    # Fixed ports: a replacement cannot start beside the old task on its
    # agent, so an upgrade replaces tasks one at a time, never over capacity.
    assert app["upgradeStrategy"]["maximumOverCapacity"] == 0
    assert 0 < app["upgradeStrategy"]["minimumHealthCapacity"] < 1


def test_health_checks_probe_readyz_and_healthz_on_the_api_port(app):
    http_index = [p["name"] for p in app["portDefinitions"]].index("http")
    checks = {h["path"]: h for h in app["healthChecks"]}
    assert set(checks) == {"/readyz", "/healthz"}
    for h in checks.values():
        assert h["portIndex"] == http_index
        assert h["protocol"] in ("HTTP", "MESOS_HTTP")
    # Readiness reports stale records but never kills every replica at once
    # when the master is away; liveness kills a hung process.
    assert checks["/readyz"]["maxConsecutiveFailures"] == 0
    assert checks["/healthz"]["maxConsecutiveFailures"] > 0


def _can_run_as_root_in_netns():
    return (os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("unshare")
            and subprocess.run(["unshare", "-n", "true"]).returncode == 0)


def test_app_cmd_serves_port_53_as_nobody(app, mdns_bin, master_factory, tmp_path):
    """Runs the app's cmd in a private network namespace, the way the Mesos
    executor runs it: as root, in a sandbox, the config in the env."""
    if not _can_run_as_root_in_netns():
        pytest.skip("needs root, setpriv and unshare -n")
    # The binary must be reachable by nobody: copy it to a world-readable place.
    bindir = Path(tempfile.mkdtemp(prefix="mdns-bin-"))
    os.chmod(bindir, 0o755)
    binary = bindir / "mesos-dns"
    shutil.copy2(mdns_bin, binary)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir(mode=0o700)
    script = tmp_path / "probe.sh"
    cfg = json.loads(app["env"]["MESOS_DNS_CONFIG"])
    cfg.pop("zk")
    cfg.update({"masters": ["127.0.0.1:15050"], "httpport": 18123, "externalon": False})
    cmd = app["cmd"].replace("/usr/sbin/mesos-dns", str(binary))
    assert cmd != app["cmd"]
    # Everything happens inside the namespace: fake master, the app, probes.
    script.write_text("""
ip link set lo up
%(py)s %(fm)s --state %(state)s --port 15050 >/dev/null 2>&1 &
fm=$!
/bin/sh -c "$APP_CMD" >%(sb)s/stdout 2>%(sb)s/stderr &
app=$!
ok=1
for i in $(seq 1 100); do
  if dig +short +time=1 +tries=1 @127.0.0.1 -p 53 leader.mesos | grep -Eq '^[0-9]+([.][0-9]+){3}$'; then ok=0; break; fi
  sleep 0.1
done
ps -o user=,comm= -p $app
tr '\\0' ' ' < /proc/$app/cmdline; echo
kill $app $fm; wait $app
exit $ok
""" % {"py": harness.PYTHON, "fm": harness.FAKE_MASTER, "state": REPO / "demo" / "state.json",
       "sb": sandbox})
    env = {**os.environ, "MESOS_SANDBOX": str(sandbox), "APP_CMD": cmd,
           "MESOS_DNS_CONFIG": json.dumps(cfg)}
    try:
        r = subprocess.run(["unshare", "-n", "/bin/sh", str(script)], env=env,
                           capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(bindir)
    logs = (sandbox / "stderr").read_text() if (sandbox / "stderr").exists() else ""
    assert r.returncode == 0, "no answer on port 53\n%s\n%s\n%s" % (r.stdout, r.stderr, logs)
    user = r.stdout.split()[0]
    assert user == "nobody", r.stdout
    st = (sandbox / "config.json").stat()
    assert st.st_mode & 0o077 == 0, "config.json is readable by others"
