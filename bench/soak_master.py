#!/usr/bin/python3
"""soak_master.py -- the master bench/soak runs against: a big state that
changes by one task every --every seconds, for as long as the soak lasts.

    soak_master.py --state FILE --port-file FILE --status FILE
                   [--every 1.0] [--alive 10] [--heartbeat 15]

The shared fake master (../shared/tools/fake_master.py) finds the events it
streams by re-reading and diffing its whole state file on every change: 3 s
of Python per change for a 100,000-task state, too slow for one change a
second for an hour.  This server keeps the state in memory instead and makes
the changes itself, with the shared tool's /master/state -> v1 conversion
and event encoding (imported from ../shared/tools, not copied):

  * every --every seconds one change: a new task is launched (TASK_ADDED in
    TASK_STAGING, then TASK_UPDATED TASK_RUNNING, as a real launch), or,
    once --alive launched tasks run, the oldest of them is killed
    (TASK_UPDATED TASK_KILLED).  Task ids never repeat, so a daemon that
    keeps anything per id it has seen grows;
  * GET /master/state (and the other state paths) serves the base state
    with the launched tasks that are running, spliced into the first
    framework's task list: a poll agrees with the events;
  * POST /api/v1 SUBSCRIBE streams SUBSCRIBED (the base state in v1 form,
    converted once at start), then the changes, and a HEARTBEAT every
    --heartbeat seconds.  Other calls: 501.

--status FILE is rewritten every second with counters (JSON): changes,
events written, SUBSCRIBE calls, state requests, open streams.
Loopback only; Python 3 standard library.  Written for bench/soak.
"""
import argparse
import json
import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "tools"))
sys.path.insert(0, SHARED_TOOLS)
import fake_master as FM  # noqa: E402  (the shared tool, for its conversion)

STATE_PATHS = {"/master/state", "/master/state.json", "/state.json", "/state"}


class Cluster:
    """The base state (as text, split where extra tasks go) and the tasks
    launched on top of it."""

    def __init__(self, path):
        with open(path) as f:
            text = f.read()
        st = json.loads(text)
        fw = next(f for f in st["frameworks"] if f.get("tasks"))
        self.fw_id, self.fw_name = fw["id"], fw["name"]
        self.agent = fw["tasks"][0]["slave_id"]
        key = '"tasks": ['
        at = text.index(key, text.index('"id": "%s"' % self.fw_id)) + len(key)
        self.head, self.tail = text[:at].encode(), text[at:].encode()
        sub = {"get_state": FM.to_v1(st), "heartbeat_interval_seconds": 15.0}
        self.subscribed = FM.encode_record(FM.ev("SUBSCRIBED", sub))
        del st
        self.lock = threading.Lock()
        self.alive = []         # [(state-format task, v1 task)], oldest first
        self.seq = 0
        self.ts = time.time()

    def state_bytes(self):
        with self.lock:
            extra = [json.dumps(t).encode() for t, _ in self.alive]
        if not extra:
            return self.head + self.tail
        return self.head + b", ".join(extra) + b", " + self.tail

    def change(self, alive_max):
        """One change; returns the events that describe it."""
        with self.lock:
            if len(self.alive) >= alive_max:
                _, v1 = self.alive.pop(0)
                st = FM.synth_status(v1, "TASK_KILLED")
                return [FM.task_updated(v1, st, "TASK_KILLED")]
            self.seq += 1
            self.ts = max(self.ts + 0.001, time.time())
            name = "soak-%d" % self.seq
            t = {"id": "%s.%08x" % (name, self.seq), "name": name,
                 "framework_id": self.fw_id, "slave_id": self.agent,
                 "state": "TASK_RUNNING",
                 "resources": {"cpus": 0.1, "mem": 32, "ports": "[31000-31001]"},
                 "statuses": [{"state": "TASK_RUNNING", "timestamp": self.ts}]}
            v1 = FM.conv_task(t, self.fw_id)
            self.alive.append((t, v1))
            return FM.new_task_events(v1, "staging")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, cluster, heartbeat):
        super().__init__(addr, Handler)
        self.cluster = cluster
        self.heartbeat = heartbeat
        self.streams = set()        # queues of the open SUBSCRIBE streams
        self.lock = threading.Lock()
        self.counters = {"changes": 0, "events": 0, "subscribes": 0,
                         "state_requests": 0, "open_streams": 0}

    def count(self, key, n=1):
        with self.lock:
            self.counters[key] += n

    def publish(self, records):
        with self.lock:
            for q in self.streams:
                for r in records:
                    q.put(r)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "soak-master/1.0"

    def log_message(self, fmt, *args):
        pass

    def _send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path in STATE_PATHS:
            self.server.count("state_requests")
            return self._send(200, self.server.cluster.state_bytes())
        if path == "/health":
            return self._send(200, b"", "text/plain")
        self._send(404, b"not found\n", "text/plain")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            call = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self._send(400, b"bad JSON\n", "text/plain")
        if call.get("type") != "SUBSCRIBE" or self.path.split("?", 1)[0] != "/api/v1":
            return self._send(501, b"not implemented by soak_master\n", "text/plain")
        self.server.count("subscribes")
        q = queue.Queue()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        with self.server.lock:
            self.server.streams.add(q)
            self.server.counters["open_streams"] += 1
        try:
            self._chunk(self.server.cluster.subscribed)
            beat = FM.encode_record(FM.ev("HEARTBEAT"))
            next_hb = time.monotonic() + self.server.heartbeat
            while True:
                try:
                    rec = q.get(timeout=max(0.01, next_hb - time.monotonic()))
                    self._chunk(rec)
                    self.server.count("events")
                except queue.Empty:
                    self._chunk(beat)
                    next_hb = time.monotonic() + self.server.heartbeat
        except OSError:
            pass
        finally:
            with self.server.lock:
                self.server.streams.discard(q)
                self.server.counters["open_streams"] -= 1

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
        self.wfile.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--alive", type=int, default=10)
    ap.add_argument("--heartbeat", type=float, default=15.0)
    a = ap.parse_args()
    cluster = Cluster(a.state)
    srv = Server(("127.0.0.1", 0), cluster, a.heartbeat)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, a.port_file)
    nxt = time.monotonic()
    while True:
        nxt += a.every
        time.sleep(max(0.0, nxt - time.monotonic()))
        evs = cluster.change(a.alive)
        srv.publish([FM.encode_record(e) for e in evs])
        srv.count("changes")
        with srv.lock:
            c = dict(srv.counters)
        c["t"] = time.time()
        tmp = a.status + ".tmp"
        with open(tmp, "w") as f:
            json.dump(c, f)
        os.replace(tmp, a.status)


if __name__ == "__main__":
    main()
