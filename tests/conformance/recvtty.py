#!/usr/bin/env python3
"""recvtty.py SOCKET OUT: accept one --console-socket connection, take the
pty master it sends (SCM_RIGHTS), copy what the process writes to OUT until
it closes (at most 10 s). A stand-in for runc's recvtty, for the tests."""
import array, os, select, socket, sys, time

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(10)
conn, _ = srv.accept()
fds = array.array("i")
_, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
master = fds[0]
deadline = time.monotonic() + 10
with open(out, "wb") as f:
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if not r:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        f.write(chunk)
        f.flush()
