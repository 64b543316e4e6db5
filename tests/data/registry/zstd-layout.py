#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Recompress every layer of the image in an OCI layout with zstd.

Usage: zstd-layout.py DIR
DIR is an OCI image layout holding one image (index.json with one manifest),
as `skopeo copy oci-archive:X oci:DIR` leaves it. Each layer is decompressed
(gzip) or taken as it is (plain tar), compressed with the zstd command, and
stored as application/vnd.oci.image.layer.v1.tar+zstd; the manifest and
index.json are rewritten with the new digests. The config's diff_ids stay:
the uncompressed tars are the same.
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys


def blob_path(root, digest):
    return os.path.join(root, "blobs", "sha256", digest.split(":", 1)[1])


def put_blob(root, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(root, digest), "wb") as f:
        f.write(data)
    return digest


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "index.json")) as f:
        index = json.load(f)
    desc = index["manifests"][0]
    with open(blob_path(root, desc["digest"]), "rb") as f:
        manifest = json.load(f)
    for layer in manifest["layers"]:
        with open(blob_path(root, layer["digest"]), "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        packed = subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                                stdout=subprocess.PIPE).stdout
        layer["digest"] = put_blob(root, packed)
        layer["size"] = len(packed)
        layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd"
    body = json.dumps(manifest).encode()
    desc["digest"] = put_blob(root, body)
    desc["size"] = len(body)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)


main()
