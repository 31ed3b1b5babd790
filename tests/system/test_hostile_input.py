"""test_hostile_input.py -- an operator-API event nested 1,500,000 arrays
deep (a hostile master, or anyone on the path of a plain-HTTP stream) is
refused with one log line before yajl builds a tree; the daemon stays up,
keeps its records and applies the next event (issue 11).

The master is a small one of this test (a thread on loopback): it serves
harness.minimal_state() and, on SUBSCRIBE, a RecordIO stream whose records
the test writes when it wants.  Our fake_master does not stream events, and
the shared one builds its events from state files, which Python's json
cannot hold at this depth.
"""

import http.server
import json
import queue
import threading
import time

import harness
from harness import LogCursor

WEB = "web.marathon.mesos."
TASK_ID = "web.11111111-2222-3333-4444-555555555555"


class EventMaster:
    """/master/state and a SUBSCRIBE stream fed from self.events."""

    def __init__(self):
        self.events = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                body = json.dumps(harness.minimal_state(outer.leader)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.record(b'{"type":"SUBSCRIBED","subscribed":'
                            b'{"heartbeat_interval_seconds":1}}')
                while not outer.stopping:
                    try:
                        rec = outer.events.get(timeout=0.5)
                    except queue.Empty:
                        rec = b'{"type":"HEARTBEAT"}'
                    self.record(rec)

            def record(self, data):
                frame = b"%d\n%s" % (len(data), data)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()

            def log_message(self, *a):
                pass

        self.stopping = False
        self.server = http.server.ThreadingHTTPServer((harness.LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.address = "%s:%d" % (harness.LOOPBACK, self.server.server_address[1])
        self.leader = "master@" + self.address
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()


def test_deeply_nested_event_is_refused(daemon_factory):
    m = EventMaster()
    try:
        d = daemon_factory(master=m.address, config={"EventsOn": True}, args=["-v=1"])
        harness.wait_until(lambda: harness.a_records(d, WEB) == ["10.0.0.3"], 10)
        d.wait_log(r"event stream: subscribed", timeout=10)
        log = LogCursor(d)
        depth = 1500000
        m.events.put(b'{"type":"TASK_ADDED","task_added":{"task":' +
                     b"[" * depth + b"]" * depth + b"}}")
        log.wait(r"^ERROR: .*event stream: an event is not JSON: nesting deeper "
                 r"than 64$", timeout=20)
        time.sleep(1)
        assert d.returncode is None
        assert log.count(r"nesting deeper") == 1
        assert harness.a_records(d, WEB) == ["10.0.0.3"]
        # the stream goes on: the next event is applied
        m.events.put(json.dumps({"type": "TASK_UPDATED", "task_updated": {
            "framework_id": {"value": "F1-0000"}, "state": "TASK_KILLED",
            "status": {"task_id": {"value": TASK_ID}, "state": "TASK_KILLED"}}}).encode())
        harness.wait_until(lambda: harness.a_records(d, WEB) == [], 10,
                           message="the kill event to be applied")
    finally:
        m.stop()
