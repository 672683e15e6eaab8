#!/usr/bin/env python3
"""moto as the S3 peer for LabelPark's tests: an in-memory S3 on loopback with the bucket `labelpark-test`.

    python3 Tests/reference/moto_s3.py --port 9000
    python3 Tests/reference/moto_s3.py --port 0        # any free port; the READY line tells which

Starts moto's ThreadedMotoServer on 127.0.0.1:PORT, creates the bucket (region us-east-1), then prints exactly
one line to stdout, `READY http://127.0.0.1:PORT`, and serves until SIGTERM or SIGINT (clean exit, status 0).
It also exits by itself when its parent process goes away (unless --no-parent-watch), so a test runner that
dies does not leave a server behind. Request logs go to stderr only with --verbose.

Any access key and secret are accepted: moto does NOT verify SigV4 signatures unless IAM authentication is
switched on, so this peer proves what LabelPark's S3 client does (paths, keys, ranges, listings, presigned
URLs being usable), while byte-equality of the signatures with botocore is proved by
s3_signature_vectors.py and its JSON vectors.

Install: python3 -m pip install --break-system-packages -r Tests/reference/requirements-s3.txt
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

BUCKET = "labelpark-test"
REGION = "us-east-1"
HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moto S3 on 127.0.0.1 with the bucket labelpark-test")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--bucket", action="append", default=None,
                        help=f"bucket to create (repeatable; default {BUCKET})")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--no-parent-watch", action="store_true",
                        help="keep serving when the parent process exits")
    args = parser.parse_args(argv)
    parent = os.getppid()  # before the slow imports, so a parent that dies while moto starts is noticed

    # moto and boto3 read these; never let a developer's real AWS settings leak into the peer.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.setdefault("AWS_CONFIG_FILE", os.devnull)
    os.environ.setdefault("AWS_SHARED_CREDENTIALS_FILE", os.devnull)

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)

    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                              aws_access_key_id="testing", aws_secret_access_key="testing",
                              config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
        for bucket in args.bucket or [BUCKET]:
            client.create_bucket(Bucket=bucket)
        print(f"READY {endpoint}", flush=True)

        while not stop.wait(0.5):
            if not args.no_parent_watch and os.getppid() != parent:
                print("moto_s3: parent process exited; stopping", file=sys.stderr)
                break
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
