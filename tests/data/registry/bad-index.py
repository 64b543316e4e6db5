#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A registry whose image index points where no index may: its one entry
(no platform, so it matches any machine) has the digest and size MODE says.
Any other manifest it is asked for is a valid-looking image manifest, so a
client that follows the entry would go on. Listens on 127.0.0.1 and writes
its port to PORTFILE; logs each path asked for on stdout.

Usage: bad-index.py PORTFILE MODE
MODE: tag       the entry's digest is "latest2"
      traverse  the entry's digest is "../../../../v2/x/y/manifests/evil"
      negsize   a valid digest with size -5
"""
import http.server
import json
import sys

from listen import serve

MODE = sys.argv[2]
DIGESTS = {"tag": "latest2", "traverse": "../../../../v2/x/y/manifests/evil",
           "negsize": "sha256:" + "a" * 64}
INDEX = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": DIGESTS[MODE], "size": -5 if MODE == "negsize" else 300}],
}).encode()
OTHER = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": "sha256:" + "b" * 64, "size": 2},
    "layers": [],
}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print(self.path, flush=True)
        if self.path == "/v2/":
            body, ctype = b"{}", "application/json"
        elif self.path == "/v2/x/y/manifests/1":
            body, ctype = INDEX, "application/vnd.oci.image.index.v1+json"
        elif "/manifests/" in self.path:
            body, ctype = OTHER, "application/vnd.oci.image.manifest.v1+json"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


serve(Handler, sys.argv[1])
