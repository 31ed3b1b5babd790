"""test_deb.py -- the Debian package: builds, lints clean, and what it
installs works.

The source tree is copied to a scratch directory first (the build writes
debian/ and obj-*/ there, never in the checkout), built with
`dpkg-buildpackage -b -us -uc` (nocheck: the project's tests are not run
again inside the package build), checked with lintian, and extracted with
`dpkg-deb -x` into a scratch root whose binary, unit and man page are then
used as an operator would.
"""

import gzip
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

import harness
from conftest import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("dpkg-buildpackage") is None or shutil.which("dh") is None,
    reason="dpkg-dev and debhelper not installed (scripts/deps.sh)")

IGNORED = shutil.ignore_patterns(".git", "build", "build-*", "obj-*", "__pycache__",
                                 ".pytest_cache", "*.pyc")


def changelog_version():
    first = (REPO / "debian" / "changelog").read_text().splitlines()[0]
    return re.match(r"mesos-dns \(([^)]+)\)", first).group(1)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(the .deb path, the scratch root it is extracted into)."""
    top = tmp_path_factory.mktemp("deb")
    src = top / "mesos-dns"
    shutil.copytree(REPO, src, ignore=IGNORED, symlinks=True)
    env = {**os.environ, "DEB_BUILD_OPTIONS": "nocheck noddebs parallel=2",
           "LC_ALL": "C.UTF-8"}
    r = subprocess.run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_ARCH"], capture_output=True,
                          text=True, check=True).stdout.strip()
    deb = top / ("mesos-dns_%s_%s.deb" % (changelog_version(), arch))
    assert deb.is_file(), sorted(p.name for p in top.iterdir())
    root = top / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return deb, root


def test_package_installs_binary_config_unit_and_man_page(built):
    deb, root = built
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    for path in ("./usr/sbin/mesos-dns", "./etc/mesos-dns/config.json",
                 "./lib/systemd/system/mesos-dns.service",
                 "./usr/share/man/man8/mesos-dns.8.gz",
                 "./usr/share/doc/mesos-dns/copyright"):
        assert re.search(r" %s$" % re.escape(path), listing, re.M), path
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                            text=True, check=True).stdout
    # ${shlibs:Depends} was filled in from the libraries the binary links.
    for lib in ("libc6", "libcurl4", "libmicrohttpd12", "libzookeeper-mt2"):
        assert lib in fields, fields
    conffiles = subprocess.run(["dpkg-deb", "-I", str(deb), "conffiles"],
                               capture_output=True, text=True, check=True).stdout
    assert conffiles.split() == ["/etc/mesos-dns/config.json"]
    json.loads((root / "etc" / "mesos-dns" / "config.json").read_text())
    unit = (root / "lib" / "systemd" / "system" / "mesos-dns.service").read_text()
    assert "ExecStart=/usr/sbin/mesos-dns -config=/etc/mesos-dns/config.json" in unit


@pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian not installed")
def test_lintian_reports_no_error(built):
    deb, _ = built
    r = subprocess.run(["lintian", "--no-tag-display-limit", str(deb)], capture_output=True,
                       text=True, timeout=300)
    errors = [line for line in r.stdout.splitlines() if line.startswith("E:")]
    assert errors == [], r.stdout


def test_installed_binary_reports_the_package_version(built):
    _, root = built
    r = subprocess.run([str(root / "usr" / "sbin" / "mesos-dns"), "-version"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == changelog_version().split("-")[0]


def test_installed_binary_serves_the_demo_cluster(built, tmp_path, master_factory):
    _, root = built
    m = master_factory(state=str(REPO / "demo" / "state.json"))
    with harness.Daemon(tmp_path / "d", master=m,
                        binary=root / "usr" / "sbin" / "mesos-dns") as d:
        d.wait_ready(timeout=30)
        udp = harness.rrset_values(d.dns("nginx.marathon.mesos"))
        assert udp and udp == harness.rrset_values(d.dns("nginx.marathon.mesos", tcp=True))
        assert d.get_json("/v1/version")[1]["Version"] == changelog_version().split("-")[0]


def test_installed_man_page_renders(built):
    _, root = built
    page = root / "usr" / "share" / "man" / "man8" / "mesos-dns.8.gz"
    source = gzip.decompress(page.read_bytes())
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww"], input=source,
                       capture_output=True, timeout=30)
    assert r.returncode == 0 and r.stderr == b"", r.stderr
    text = re.sub(r".\x08", "", r.stdout.decode())
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS", "FILES"):
        assert re.search(r"^%s$" % heading, text, re.M), heading
    assert "mesos-dns - DNS service discovery for Apache Mesos" in text.replace("\u2010", "-")
    # The footer names the version the package carries.
    assert "mesos-dns %s" % changelog_version().split("-")[0] in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_installed_unit_verifies_and_scores_at_most_2_5(built, tmp_path):
    """The unit as installed, pointed at the extracted binary, with the
    extracted man page on MANPATH (its Documentation= names it)."""
    _, root = built
    text = (root / "lib" / "systemd" / "system" / "mesos-dns.service").read_text()
    unit = tmp_path / "mesos-dns.service"
    unit.write_text(text.replace("/usr/sbin/mesos-dns", str(root / "usr/sbin/mesos-dns")))
    env = {**os.environ, "MANPATH": str(root / "usr" / "share" / "man")}
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert (r.returncode, r.stdout + r.stderr) == (0, "")
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                        str(unit)], capture_output=True, text=True, env=env, timeout=60)
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout).group(1))
    assert score <= 2.5, r.stdout


@pytest.mark.skipif("libsystemd" not in (REPO / "CMakeLists.txt").read_text(),
                    reason="this tree has no sd_notify support yet")
def test_installed_binary_notifies_systemd_when_ready(built, tmp_path, master_factory):
    """The unit is Type=notify: the packaged binary must send READY=1 (the
    package build-depends on libsystemd-dev for it)."""
    deb, root = built
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout
    assert "libsystemd0" in depends
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(30)
    m = master_factory(state=str(REPO / "demo" / "state.json"))
    try:
        with harness.Daemon(tmp_path / "d", master=m, binary=root / "usr/sbin/mesos-dns",
                            env={"NOTIFY_SOCKET": str(tmp_path / "notify")}) as d:
            seen = []
            while not any(line == "READY=1" for msg in seen for line in msg.split("\n")):
                seen.append(sock.recv(4096).decode())
            assert d.dns("nginx.marathon.mesos").answer
    finally:
        sock.close()
