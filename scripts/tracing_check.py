#!/usr/bin/env python3
"""Traces of cloakroomd, exported over OTLP/HTTP (JSON) to a small collector run here: a request
that carries a W3C `traceparent` gets a server span under that parent, with the manager
operation's span under it and the store call's under that; nothing in any span names a session
ID, a user, an API key or session data. Standard library only.

Usage: scripts/tracing_check.py PATH/TO/cloakroomd
"""
import base64
import http.server
import json
import re
import os
import sys
import tempfile
import threading
import time

from e2e_support import Daemon, check, checks, failures, free_port, wait_for


class Collector(http.server.ThreadingHTTPServer):
    """Accepts OTLP/HTTP posts and keeps every span they carry."""

    def __init__(self):
        self.spans = []
        self.resources = []
        self.paths = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), Receiver)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.paths.append((self.path, self.headers.get("Content-Type")))
            try:
                for resource_spans in json.loads(body).get("resourceSpans", []):
                    self.server.resources.append(resource_spans.get("resource", {}))
                    for scope_spans in resource_spans.get("scopeSpans", []):
                        for span in scope_spans.get("spans", []):
                            for field in ("traceId", "spanId", "parentSpanId"):
                                span[field] = identifier(span.get(field))
                            self.server.spans.append(span)
            except ValueError:
                pass
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def identifier(value):
    """A trace or span ID as lowercase hex: OTLP/JSON says hex, while protobuf's JSON mapping of
    bytes (which some exporters follow) is base64."""
    value = value or ""
    if re.fullmatch(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{32}", value):
        return value.lower()
    try:
        return base64.b64decode(value).hex()
    except ValueError:
        return value


def attributes(span):
    return {a["key"]: next(iter(a.get("value", {}).values()), None) for a in span.get("attributes", [])}


def main():
    started = time.time()
    collector = Collector()
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="cloakroom-tracing-")
    daemon = Daemon(folder, {
        "CLOAKROOM_OTEL_ENDPOINT": f"http://127.0.0.1:{collector.server_port}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    })
    try:
        trace_id, parent_id = os.urandom(16).hex(), os.urandom(8).hex()
        traceparent = {"traceparent": f"00-{trace_id}-{parent_id}-01"}
        status, reply, _ = daemon.request("POST", "/v1/sessions", {"user_id": "ada@example.com",
                                                                  "data": {"card": "4111-1111-1111-1111"}},
                                          headers=traceparent)
        check(status == 201, f"create answered {status}")
        session_id = reply["id"]
        other_trace = os.urandom(16).hex()
        daemon.request("POST", "/v1/sessions/resume", {"id": session_id},
                       headers={"traceparent": f"00-{other_trace}-{os.urandom(8).hex()}-01"})
        daemon.request("GET", "/v1/users/ada@example.com/sessions")

        def ours():
            with collector.lock:
                names = {s["name"] for s in collector.spans if s.get("traceId", "").lower() == trace_id}
            return {"cloakroom.session.create", "cloakroom.store.insert"} <= names

        arrived = wait_for(ours, 20)
        check(arrived is not None, f"spans of the traced request reach the collector: {collector.paths[:3]}")
        with collector.lock:
            spans = list(collector.spans)
            resources = list(collector.resources)
        trace = [s for s in spans if s.get("traceId", "").lower() == trace_id]
        by_name = {s["name"]: s for s in trace}
        server = next((s for s in trace if s.get("parentSpanId", "").lower() == parent_id), None)
        check(server is not None, f"a span of cloakroomd's has the incoming traceparent's span as parent: "
                                  f"{[(s['name'], s.get('parentSpanId')) for s in trace]}")
        create = by_name.get("cloakroom.session.create")
        insert = by_name.get("cloakroom.store.insert")
        if server and create and insert:
            check(server["name"] == "POST /v1/sessions", f"the server span is named by route: {server['name']}")
            check(attributes(server).get("http.route") == "/v1/sessions"
                  and str(attributes(server).get("http.response.status_code")) == "201",
                  f"the server span has route and status: {attributes(server)}")
            check(create.get("parentSpanId", "").lower() == server["spanId"].lower(),
                  "the create operation's span is under the server span")
            check(insert.get("parentSpanId", "").lower() == create["spanId"].lower(),
                  "the store call's span is under the operation's")
            check(attributes(insert).get("cloakroom.store") == "sqlite", f"store named: {attributes(insert)}")
        check(any(s.get("traceId", "").lower() == other_trace and s["name"] == "cloakroom.session.resume"
                  for s in spans) or wait_for(lambda: any(s.get("traceId", "").lower() == other_trace
                                                           for s in collector.spans), 10) is not None,
              "another request's spans are in its own trace")
        names = json.dumps(resources)
        check("cloakroomd" in names, f"the resource names the service: {names[:200]}")
        text = json.dumps(spans) + names
        for secret in (session_id, "ada@example.com", "4111", daemon.key):
            check(secret not in text, f"no span or resource holds {secret[:6]}…")
        print(f"  {len(spans)} spans exported to {collector.paths[0][0] if collector.paths else '?'}; "
              f"the traced request's arrived {arrived or 0:.1f}s after it", flush=True)
    finally:
        code = daemon.stop()
        check(code == 0, f"cloakroomd exits 0 with tracing on, got {code}")
        collector.shutdown()
    print(f"tracing: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
