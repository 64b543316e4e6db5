#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A registry front that asks for anonymous bearer tokens as Docker Hub does.

Usage: token-proxy.py UPSTREAM PORTFILE [stall|stall-first|slow|norange]
Listens on 127.0.0.1 (a free port, written to PORTFILE once it listens).
GET /token?service=peapod-test&scope=repository:library/busybox:pull gives
{"token": ...}; any other service or scope gives 400 with a registry-style
error. Every other request without "Authorization: Bearer <that token>" gets
401 and a `WWW-Authenticate: Bearer realm=...,service=...,scope=...`
challenge; with it, the request is passed to UPSTREAM (http://HOST:PORT).
Each token request is logged on stdout as "token service=S scope=S".
Each blob request passed on is logged as "get PATH range=RANGE" (RANGE
is the Range header, "-" without one) and, once sent, "sent PATH N" with
the body's bytes; a Range header is passed upstream and its 206 back.
With "stall", the first request for a blob of more than 64 KiB is sent
half and then never finished (logged as "stalled PATH"), for a client (or
this proxy) to be killed midway. "stall-first" stalls as "stall" does and
holds every smaller blob until one has stalled, so that a small blob's
reply (a tampered one) comes while the big one is midway. With "slow", blobs are sent 16 KiB every
20 ms, so that two clients overlap. With "norange", Range headers are
ignored (the whole blob comes back with a 200), as some servers do.
"""
import http.server
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN = "peapod-test-token"
SERVICE = "peapod-test"
SCOPE = "repository:library/busybox:pull"


class Handler(http.server.BaseHTTPRequestHandler):
    upstream = ""
    mode = ""
    stalled = set()
    halfway = False  # a stalled blob's half is sent

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def token(self, query):
        q = urllib.parse.parse_qs(query)
        service, scope = q.get("service", [""])[0], q.get("scope", [""])[0]
        print(f"token service={service} scope={scope}", flush=True)
        if service == SERVICE and scope == SCOPE:
            self.reply(200, json.dumps({"token": TOKEN}).encode())
        else:
            err = {"errors": [{"code": "DENIED", "message": "no access to " + scope}]}
            self.reply(400, json.dumps(err).encode())

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            return self.token(url.query)
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            port = self.server.server_address[1]
            repo = url.path.split("/")[2:4]
            scope = "repository:%s:pull" % "/".join(repo)
            challenge = (f'Bearer realm="http://127.0.0.1:{port}/token",'
                         f'service="{SERVICE}",scope="{scope}"')
            err = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            return self.reply(401, json.dumps(err).encode(),
                              [("WWW-Authenticate", challenge)])
        blob = "/blobs/" in url.path
        headers = {"Accept": self.headers.get("Accept", "*/*")}
        if self.headers.get("Range") and self.mode != "norange":
            headers["Range"] = self.headers["Range"]
        if blob:
            print(f"get {url.path} range={self.headers.get('Range', '-')}", flush=True)
        req = urllib.request.Request(self.upstream + self.path, headers=headers)
        try:
            with urllib.request.urlopen(req) as r:
                status, headers, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        keep = [(k, v) for k, v in headers.items()
                if k.lower() in ("content-type", "docker-content-digest", "content-range")]
        if self.mode == "stall-first" and blob and len(body) <= 65536:
            for _ in range(1000):
                if Handler.halfway:
                    break
                time.sleep(0.01)
        if (self.mode in ("stall", "stall-first") and blob and len(body) > 65536
                and url.path not in self.stalled):
            self.stalled.add(url.path)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            Handler.halfway = True
            print("stalled " + url.path, flush=True)
            time.sleep(600)
            return
        if self.mode == "slow" and blob:
            self.send_response(status)
            for k, v in keep:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), 16384):
                self.wfile.write(body[i:i + 16384])
                self.wfile.flush()
                time.sleep(0.02)
        else:
            self.reply(status, body, keep)
        if blob:
            print(f"sent {url.path} {len(body)}", flush=True)

    def log_message(self, *args):
        pass


def main():
    Handler.upstream = sys.argv[1]
    Handler.mode = sys.argv[3] if len(sys.argv) > 3 else ""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
