#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Craft hostile and whiteout test images as docker-archives with correct
# digests, so a loader gets as far as unpacking them.
#
# Usage: mkevil.py OUTDIR ESCAPEDIR
#   OUTDIR/evil-dotdot.tar    "../../..ESCAPEDIR/dotdot" entry
#   OUTDIR/evil-abs.tar       "/ESCAPEDIR/abs" entry
#   OUTDIR/evil-symlink.tar   "a -> ESCAPEDIR", then "a/evil"; "b -> ../../..ESCAPEDIR", "b/evil"
#   OUTDIR/evil-hardlink.tar  hardlinks to "ESCAPEDIR/sentinel" (absolute, ../, via a symlink)
#   OUTDIR/evil-chain.tar     "d -> /" then "d/ESCAPEDIR/chain"; "c/../../..ESCAPEDIR/c"
#   OUTDIR/whiteout.tar       two layers: d/f1 d/f2 o/x keep, keep2 (hardlink), lib -> /usr/lib
#                             and lib/x; then d/.wh.f1 o/.wh..wh..opq o/y
# Each image is tagged "<name>:latest". Nothing here writes outside OUTDIR.
import hashlib, io, json, os, sys, tarfile

out, esc = sys.argv[1], os.path.abspath(sys.argv[2])
up = "../" * 24 + esc.lstrip("/")


def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            data = None
            if kind == "file":
                data = e[2] if len(e) > 2 else b"pwned\n"
                ti.size = len(data)
                ti.mode = 0o644
            elif kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, e[2]
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def archive(name, layers):
    files, diff_ids, paths = {}, [], []
    for data in layers:
        h = hashlib.sha256(data).hexdigest()
        diff_ids.append("sha256:" + h)
        paths.append(h + "/layer.tar")
        files[h + "/layer.tar"] = data
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "created": "2023-11-14T22:13:20Z",
                      "config": {"Cmd": ["sh"]},
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    ch = hashlib.sha256(cfg).hexdigest()
    files[ch + ".json"] = cfg
    files["manifest.json"] = json.dumps([{"Config": ch + ".json",
                                          "RepoTags": [name + ":latest"],
                                          "Layers": paths}]).encode()
    with tarfile.open(os.path.join(out, name + ".tar"), "w", format=tarfile.GNU_FORMAT) as t:
        for p in sorted(files):
            ti = tarfile.TarInfo(p)
            ti.size, ti.mtime = len(files[p]), 1700000000
            t.addfile(ti, io.BytesIO(files[p]))


os.makedirs(out, exist_ok=True)
archive("evil-dotdot", [layer([("file", up + "/dotdot")])])
archive("evil-abs", [layer([("file", esc + "/abs")])])
archive("evil-symlink", [layer([("sym", "a", esc), ("file", "a/evil"),
                                ("sym", "b", up), ("file", "b/evil")])])
archive("evil-hardlink", [layer([("hard", "h1", esc + "/sentinel"),
                                 ("hard", "h2", up + "/sentinel")])])
archive("evil-hardlink2", [layer([("sym", "s", esc), ("hard", "h3", "s/sentinel")])])
archive("evil-chain", [layer([("sym", "d", "/"), ("file", "d" + esc + "/chain"),
                              ("dir", "c"), ("file", "c/" + up + "/c")])])
archive("whiteout", [layer([("dir", "d"), ("file", "d/f1", b"one\n"), ("file", "d/f2", b"two\n"),
                            ("dir", "o"), ("file", "o/x", b"x\n"), ("file", "keep", b"k\n"),
                            ("hard", "keep2", "keep"), ("dir", "usr"), ("dir", "usr/lib"),
                            ("sym", "lib", "/usr/lib"), ("file", "lib/x", b"libx\n")]),
                     layer([("file", "d/.wh.f1", b""), ("file", "o/.wh..wh..opq", b""),
                            ("file", "o/y", b"y\n")])])
