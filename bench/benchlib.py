"""benchlib.py -- helpers shared by bench/dns and bench/ingest.

Processes, free loopback ports, CPU accounting from /proc, the cached
gen_zone.py cluster, the machine description, the mesos-dns build.
Python 3 standard library only (dnspython is optional, see dns_query).
Written for this project.
"""
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
PERF = os.path.join(SHARED, "tools", "perf")
GEN_ZONE = os.path.join(PERF, "gen_zone.py")
FAKE_MASTER = os.path.join(REPO, "tests", "fake_master", "fake_master.py")
PYTHON = "/usr/bin/python3"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Procs:
    """Every process this benchmark starts, so that all of them (and only
    them) are ended, by PID, whatever happens."""

    def __init__(self):
        self.procs = []

    def start(self, argv, cpu=None, log_path=None, **kw):
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + list(argv)
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, **kw)
        if log_path:
            out.close()
        self.procs.append(p)
        return p

    def stop(self, p, timeout=10):
        """SIGTERM the process and whatever children it made, then SIGKILL
        what is left after timeout seconds."""
        if p is None:
            return
        kids = descendants(p.pid)
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for k in kids:      # children that outlived their parent
            try:
                os.kill(k, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(reversed(self.procs)):
            try:
                self.stop(p, timeout=5)
            except Exception as e:  # keep ending the others
                log("bench: could not stop pid %d: %s" % (p.pid, e))


def install_signal_exit():
    """SIGINT/SIGTERM end the benchmark through the normal cleanup path."""
    def on_sig(sig, frame):
        raise SystemExit(128 + sig)
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)


def children(pid):
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for k in children(todo.pop()):
            out.append(k)
            todo.append(k)
    return out


def thread_cpu(pid):
    """{thread name: CPU seconds} of a process's threads
    (/proc/PID/task/*/comm; mesos-dns names its threads mdns-udp,
    mdns-refresh, mdns-stream, ...): the scheduler's run time in ns
    (schedstat), as a burst's few ms are below stat's 10 ms ticks; stat's
    user+system where the kernel keeps no schedstat."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            with open(base + "comm") as f:
                comm = f.read().strip()
            try:
                with open(base + "schedstat") as f:
                    secs = int(f.read().split()[0]) / 1e9
            except (OSError, IndexError, ValueError):
                with open(base + "stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                secs = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError):
            continue
        out[comm] = out.get(comm, 0.0) + secs
    return out


def thread_cpu_since(before, after):
    """{thread name: CPU seconds} between two thread_cpu() readings."""
    return {k: after[k] - before.get(k, 0.0) for k in after}


def cpu_seconds(pid):
    """user+system CPU seconds of pid and all its descendants (threads
    included: /proc/PID/stat sums the threads of a process)."""
    total = 0
    for p in [pid] + descendants(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def proc_status(pid, keys=("VmHWM", "VmRSS")):
    """{key: kB} from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in keys:
                out[k] = int(v.split()[0])
    return out


def cpu_times():
    """{cpuN: (busy, total)} jiffies from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if re.match(r"cpu\d+ ", line):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4]
                out[line.split()[0]] = (sum(v[:8]) - idle, sum(v[:8]))
    return out


def busy_pct(t0, t1):
    out = {}
    for c in t1:
        db = t1[c][0] - t0[c][0]
        dt = t1[c][1] - t0[c][1]
        out[c] = 100.0 * db / dt if dt > 0 else 0.0
    return out


def background_load(seconds=2.0):
    """Busy % of each core while this benchmark does nothing: the load
    other users of the machine put on it."""
    t0 = cpu_times()
    time.sleep(seconds)
    return busy_pct(t0, cpu_times())


def settle(max_wait, limit=10.0, window=1.0):
    """Wait (at most max_wait s) for a window in which every core is less
    than limit % busy: other users of the machine (builds, tests) disturb
    a benchmark.  Returns the busiest core's % in the last window."""
    end = time.monotonic() + max_wait
    while True:
        b = max(background_load(window).values())
        if b < limit or time.monotonic() >= end:
            return b


def top_other_processes(exclude, n=3):
    """The n processes (not ours) that used most CPU over the last second:
    who else is on the machine."""
    def snap():
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    s = f.read()
                name = s[s.index("(") + 1:s.rindex(")")]
                fl = s.rsplit(")", 1)[1].split()
                out[int(d)] = (name, int(fl[11]) + int(fl[12]))
            except (OSError, ValueError, IndexError):
                pass
        return out
    a = snap()
    time.sleep(1.0)
    b = snap()
    use = []
    for pid, (name, t) in b.items():
        if pid in exclude or pid == os.getpid():
            continue
        d = (t - (a[pid][1] if pid in a else 0)) / CLK_TCK
        if d > 0.05:
            use.append((d, pid, name))
    use.sort(reverse=True)
    return ["%s(%d) %.0f%%" % (name, pid, 100 * d) for d, pid, name in use[:n]]


def udp_drops(port):
    """Datagrams the kernel dropped at the UDP sockets bound to this local
    port (a full receive buffer): a server's own loss, from /proc/net/udp."""
    total = 0
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                fl = line.split()
                if len(fl) >= 13 and int(fl[1].split(":")[1], 16) == port:
                    total += int(fl[12])
    except (OSError, ValueError, StopIteration):
        pass
    return total


# ---------------------------------------------------------------- ports

def free_port():
    """A loopback port free for both UDP and TCP right now."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        u.close()
        t.close()
        return port
    raise RuntimeError("no free loopback port")


def wait_for(pred, timeout, step=0.05, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(step)


def start_soak_master(procs, state, work, name, every=1.0, cpu=None, nice=None):
    """bench/soak_master.py serving state, one task change every `every`
    seconds; returns (process, its port, the path of its status file)
    once it listens.  Files in work are named after name."""
    portfile = os.path.join(work, name + ".port")
    status = os.path.join(work, name + ".json")
    argv = ([] if nice is None else ["nice", "-n", str(nice)]) + [
        PYTHON, os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak_master.py"),
        "--state", state, "--port-file", portfile, "--status", status,
        "--every", str(every)]
    master = procs.start(argv, cpu=cpu, log_path=os.path.join(work, name + ".log"))

    def port():
        if master.poll() is not None:
            raise RuntimeError("soak_master exited (%s), see %s.log" % (
                master.returncode, os.path.join(work, name)))
        try:
            with open(portfile) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None
    return master, wait_for(port, 120, what="soak_master"), status


# ---------------------------------------------------------------- builds

def build_tools(workdir, extra=()):
    """Compile the shared load tools (from their shared path, never copied)
    and our own helpers into workdir; returns {name: path}."""
    cc = shutil.which("cc") or shutil.which("gcc")
    out = {}
    srcs = [("udp_blast", os.path.join(PERF, "udp_blast.c")),
            ("udp_echo", os.path.join(PERF, "udp_echo.c"))] + list(extra)
    for name, src in srcs:
        dst = os.path.join(workdir, name)
        subprocess.run([cc, "-O2", "-o", dst, src], check=True)
        out[name] = dst
    return out


def build_daemon(build_dir, rev=None, options=()):
    """Release build of the daemon into build_dir (incremental), from the
    working tree, or with rev from that commit's files (git archive into a
    directory beside build_dir: the repository itself is only read);
    options: more -D flags for cmake (e.g. -DMDNS_METRICS=OFF)."""
    src = REPO
    if rev:
        sha = subprocess.run(["git", "-C", REPO, "rev-parse", "--verify",
                              rev + "^{commit}"], check=True, capture_output=True,
                             text=True).stdout.strip()
        global BUILT_REV
        BUILT_REV = sha[:12]
        src = "%s-src-%s" % (build_dir, sha[:12])
        build_dir = "%s-%s" % (build_dir, sha[:12])
        if not os.path.isdir(src):
            tmp = src + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            arch = subprocess.Popen(["git", "-C", REPO, "archive", sha],
                                    stdout=subprocess.PIPE)
            subprocess.run(["tar", "-x", "-C", tmp], stdin=arch.stdout, check=True)
            if arch.wait() != 0:
                raise SystemExit("bench: git archive %s failed" % sha)
            os.replace(tmp, src)
    else:
        # One build directory per working tree: two clones (or worktrees)
        # benchmarked at once must not build into each other's.
        build_dir = "%s-%s" % (build_dir,
                               hashlib.sha1(src.encode()).hexdigest()[:8])
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        subprocess.run(["cmake", "-S", src, "-B", build_dir, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release"] + list(options), check=True,
                       stdout=subprocess.DEVNULL)
    r = subprocess.run(["cmake", "--build", build_dir, "--target", "mesos-dns"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        log(r.stdout[-3000:])
        raise SystemExit("bench: the daemon does not build (above); fix it or "
                         "pass --bin PATH")
    return os.path.join(build_dir, "mesos-dns")


BUILT_REV = None     # the commit build_daemon(rev=...) resolved and built


def binary_info(path, given=False, rev=None):
    """What was measured: the binary, when it was built, from which source."""
    st = os.stat(path)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime))
    if given:
        return "%s given with --bin, built %s" % (path, when)
    if rev:
        return "Release build of git %s (%s), %s" % (BUILT_REV, rev, when)
    return "Release build of the working tree at git %s, %s" % (git_rev(), when)


# ---------------------------------------------------------------- the cluster

def cluster(cache, ntasks):
    """gen_zone.py's cluster of ntasks, generated once into cache:
    {'state': path, 'queries': path, 'zone': path} (the zone file is
    gen_zone's own, unused: Knot and NSD serve our records instead)."""
    os.makedirs(cache, exist_ok=True)
    base = os.path.join(cache, "gen-%d" % ntasks)
    paths = {"state": base + ".state.json", "queries": base + ".queries.txt",
             "zone": base + ".zone.txt"}
    if not all(os.path.exists(p) for p in paths.values()):
        log("bench: generating a %d-task cluster into %s" % (ntasks, cache))
        tmp = {k: v + ".tmp" for k, v in paths.items()}
        subprocess.run([PYTHON, GEN_ZONE, "--tasks", str(ntasks),
                        "--zone", tmp["zone"], "--queries", tmp["queries"],
                        "--state", tmp["state"]], check=True,
                       stdout=subprocess.DEVNULL)
        for k in paths:
            os.replace(tmp[k], paths[k])
    return paths


def state_variant(cache, ntasks, kind):
    """A second version of the cached state, made once:
      'plus1'  : the same state with one task more (a new instance of the
                 first task's app, on the same agent);
      'changed': 10 tasks with a new task id (so 10 new canonical names
                 replace 10 old ones) and one task more."""
    src = cluster(cache, ntasks)["state"]
    dst = os.path.join(cache, "gen-%d.state-%s.json" % (ntasks, kind))
    if os.path.exists(dst):
        return dst
    with open(src) as f:
        st = json.load(f)
    fws = [fw for fw in st["frameworks"] if fw.get("tasks")]
    t0 = fws[0]["tasks"][0]
    extra = dict(t0, id=t0["id"] + "-bench-extra")
    fws[0]["tasks"].append(extra)
    if kind == "changed":
        n = 0
        for fw in fws:
            for t in fw["tasks"][1:]:
                if n == 10:
                    break
                t["id"] = t["id"] + "-bench-changed"
                n += 1
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        json.dump(st, f)
    os.replace(tmp, dst)
    return dst


def one_framework(cache, ntasks):
    """cluster()'s cluster with every task moved into its first framework,
    as Marathon holds most tasks of many clusters (the other frameworks
    stay, without tasks), made once: {'state': path, 'queries': path}, the
    queries naming that framework instead of the others."""
    gen = cluster(cache, ntasks)
    base = os.path.join(cache, "gen-%d-onefw" % ntasks)
    paths = {"state": base + ".state.json", "queries": base + ".queries.txt"}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    with open(gen["state"]) as f:
        st = json.load(f)
    fws = [fw for fw in st["frameworks"] if fw.get("tasks")]
    first, names = fws[0], {fw["name"].lower() for fw in fws}
    for fw in fws[1:]:
        for t in fw["tasks"]:
            t["framework_id"] = first["id"]
        first["tasks"].extend(fw["tasks"])
        fw["tasks"] = []
    with open(paths["state"] + ".tmp", "w") as f:
        json.dump(st, f)
    with open(gen["queries"]) as src, open(paths["queries"] + ".tmp", "w") as dst:
        for line in src:
            name, rest = line.split(" ", 1)
            labels = name.split(".")
            # name.<framework>.mesos. -> name.<first>.mesos.
            if len(labels) >= 4 and labels[-3] in names:
                labels[-3] = first["name"].lower()
            dst.write(".".join(labels) + " " + rest)
    for p in paths.values():
        os.replace(p + ".tmp", p)
    return paths


def serve_state(src, served):
    """Make `served` (the file the fake master reads) the content of src,
    atomically: hard link (or copy) to a temp name, then rename."""
    tmp = served + ".swap"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, served)


# ---------------------------------------------------------------- machine

def machine():
    model = "?"
    mhz = []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz"):
                mhz.append(float(line.split(":", 1)[1]))
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    virt = ""
    try:
        virt = subprocess.run(["systemd-detect-virt"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        pass
    return ("%d cores (%s%s), %s MiB RAM, Linux %s%s" % (
        os.cpu_count(), model,
        ", %.0f MHz" % (sum(mhz) / len(mhz)) if mhz else "",
        mem, platform.release(),
        ", virtualised (%s)" % virt if virt and virt != "none" else ""))


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", REPO, "diff",
                                "--quiet", "HEAD", "--", "src", "CMakeLists.txt"]
                               ).returncode != 0
        return rev + (" + uncommitted changes in src/" if dirty else "")
    except OSError:
        return "?"


# ---------------------------------------------------------------- mesos-dns

def write_config(path, master_port, dns_port, http_port, refresh=3600,
                 events=False):
    cfg = {"masters": ["127.0.0.1:%d" % master_port],
           "refreshSeconds": refresh, "stateTimeoutSeconds": 60,
           "listener": "127.0.0.1", "port": dns_port,
           "externalon": False, "recurseon": False,
           "httpon": True, "httplistener": "127.0.0.1", "httpport": http_port,
           "EnumerationOn": True, "dnson": True,
           # the fake master has no v1 operator API: measure the polling
           # path the issue describes, without a failed SUBSCRIBE first
           # (events=True: the default configuration, for a master that
           # has one, such as bench/soak_master.py)
           "EventsOn": events}
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)


def start_fake_master(procs, state, workdir, cpu=None, tag="master"):
    portfile = os.path.join(workdir, tag + ".port")
    try:
        os.unlink(portfile)     # a stale one would name a dead master
    except FileNotFoundError:
        pass
    p = procs.start([PYTHON, FAKE_MASTER, "--state", state, "--port", "0",
                     "--port-file", portfile],
                    cpu=cpu, log_path=os.path.join(workdir, tag + ".log"))

    def port():
        if p.poll() is not None:
            raise RuntimeError("fake master exited (%s)" % p.returncode)
        try:
            with open(portfile) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None
    return p, wait_for(port, 15, what="the fake master")


REFRESH_RE = re.compile(
    r"refresh: (\d+) tasks, (\d+) names, (\d+) records; fetch\+parse (\d+) ms, "
    r"resolve (\d+) ms, build (\d+) ms, publish (\d+) ms")
UNCHANGED_RE = re.compile(r"refresh: state unchanged \((\d+) ms\)")


def log_refreshes(path):
    """Every refresh line of a mesos-dns -v=1 log, in order: dicts with
    kind 'full' (tasks, names, records, fetch_parse, resolve, build,
    publish) or 'unchanged' (ms)."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = REFRESH_RE.search(line)
                if m:
                    v = [int(x) for x in m.groups()]
                    out.append(dict(kind="full", tasks=v[0], names=v[1],
                                    records=v[2], fetch_parse=v[3],
                                    resolve=v[4], build=v[5], publish=v[6]))
                    continue
                m = UNCHANGED_RE.search(line)
                if m:
                    out.append(dict(kind="unchanged", ms=int(m.group(1))))
    except FileNotFoundError:
        pass
    return out


def log_problems(path):
    """ERROR lines and anything that looks like a crash report."""
    bad = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("ERROR") or "Sanitizer" in line or \
                        "Segmentation" in line or "Aborted" in line:
                    bad.append(line.rstrip())
    except FileNotFoundError:
        pass
    return bad


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
