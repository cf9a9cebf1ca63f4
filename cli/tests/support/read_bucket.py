"""Reads an export back from an S3-compatible store with boto3, a client
other than the tool's, and checks it as an auditor would.

Usage: read_bucket.py ENDPOINT BUCKET PREFIX OUT

Every object under PREFIX must be listed in its day's _manifest.json, and
every listed object must be there with the recorded SHA-256 (as stored and
decompressed), size and entry count, its first and last lines being the
recorded entries. A manifest's format says what a line is: an entry as
sent (jsonl, the default), whose id and created_at are its own, or its OCSF
event (ocsf), whose metadata.uid and metadata.original_time are the
entry's id and created_at. The decompressed objects are written to OUT, days newest
first and each day's objects in the order written: for a newest-first
export, the bytes a file export of the same range holds. Prints a JSON
summary; exits 1 with the reason on any mismatch.
"""

import gzip
import hashlib
import json
import sys

import boto3


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def identity(row, fmt):
    """The entry's id and created_at of a line in format fmt."""
    line = json.loads(row)
    if fmt == "ocsf":
        return line["metadata"]["uid"], line["metadata"]["original_time"]
    return line["id"], line["created_at"]


def main():
    endpoint, bucket, prefix, out = sys.argv[1:5]
    s3 = boto3.client("s3", endpoint_url=endpoint)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    manifests = sorted((k for k in keys if k.endswith("/_manifest.json")), reverse=True)
    objects = {k for k in keys if k.endswith(".jsonl.gz")}
    listed = set()
    content = bytearray()
    entries = 0
    formats = set()
    for key in manifests:
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        day = key[len(prefix):].split("/")[0]
        if manifest["version"] != 1 or "dt=" + manifest["partition"] != day:
            fail(f"{key}: version or partition wrong: {manifest['version']} {manifest['partition']}")
        fmt = manifest.get("format", "jsonl")
        formats.add(fmt)
        for record in manifest["objects"]:
            name = record["key"]
            if name in listed:
                fail(f"{name} listed twice")
            listed.add(name)
            if not name.startswith(prefix + day + "/"):
                fail(f"{name} listed in the manifest of another day")
            stored = s3.get_object(Bucket=bucket, Key=name)["Body"].read()
            if hashlib.sha256(stored).hexdigest() != record["sha256"] or len(stored) != record["bytes"]:
                fail(f"{name}: stored bytes differ from the manifest")
            lines = gzip.decompress(stored)
            if hashlib.sha256(lines).hexdigest() != record["content_sha256"]:
                fail(f"{name}: content differs from the manifest")
            rows = lines.splitlines()
            if len(rows) != record["entries"] or len(lines) != record["content_bytes"]:
                fail(f"{name}: {len(rows)} lines, the manifest says {record['entries']}")
            first, last = identity(rows[0], fmt), identity(rows[-1], fmt)
            if first[0] != record["first"]["id"] or last[0] != record["last"]["id"]:
                fail(f"{name}: first or last entry differs from the manifest")
            for row in rows:
                if "dt=" + identity(row, fmt)[1][:10] != day:
                    fail(f"{name}: an entry of another day")
            content += lines
            entries += len(rows)
    if objects != listed:
        fail(f"objects in no manifest: {sorted(objects - listed)}; listed but missing: {sorted(listed - objects)}")
    with open(out, "wb") as f:
        f.write(content)
    print(
        json.dumps(
            {
                "objects": len(objects),
                "days": len(manifests),
                "entries": entries,
                "formats": sorted(formats),
            }
        )
    )


main()
