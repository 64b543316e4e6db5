# SPDX-License-Identifier: Apache-2.0
"""Shared by the test servers: listen on 127.0.0.1 (a free port), write the
port to PORTFILE once listening (atomically), serve for ever."""
import http.server
import os


def serve(handler, portfile):
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()
