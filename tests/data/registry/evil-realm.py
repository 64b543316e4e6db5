#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A registry that answers every request with 401 and a bearer challenge
whose realm holds terminal control sequences (retitle, clear screen), as a
hostile registry could, or names REALM. Listens on 127.0.0.1, writes its
port to PORTFILE, and logs the Authorization header of each request on
stdout ("auth: ...").

Usage: evil-realm.py PORTFILE [REALM]
"""
import http.server
import sys

from listen import serve

REALM = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:1/\x1b]0;PWNED\x07\x1b[2J"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print("auth: %s" % self.headers.get("Authorization", "-"), flush=True)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="%s",service="x"' % REALM)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


serve(Handler, sys.argv[1])
