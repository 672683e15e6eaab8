#!/usr/bin/env python3
"""moto as the S3 peer for LabelPark's tests: an in-memory S3 on loopback with the bucket `labelpark-test`.

    python3 Tests/reference/moto_s3.py --port 9000
    python3 Tests/reference/moto_s3.py --port 0        # any free port; the READY line tells which

Starts moto's ThreadedMotoServer on 127.0.0.1:PORT, creates the bucket (region us-east-1), then prints exactly
one line to stdout, `READY http://127.0.0.1:PORT`, and serves until SIGTERM or SIGINT (clean exit, status 0).
A busy port, or a server not ready within --start-timeout seconds, exits with status 1 and a message on
stderr, never with a READY line.
It also exits by itself when its parent process goes away (unless --no-parent-watch), so a test runner that
dies does not leave a server behind. Request logs go to stderr only with --verbose.

Any access key and secret are accepted: moto does NOT verify SigV4 signatures unless IAM authentication is
switched on, so this peer proves what LabelPark's S3 client does (paths, keys, ranges, listings, presigned
URLs being usable), while byte-equality of the signatures with botocore is proved by
s3_signature_vectors.py and its JSON vectors.

What moto 5.2.1 does differently from S3, seen with every key of the vectors (all of which it stores, lists,
ranges and presigns correctly, "a//double-slash" and "percent%20literal.jpg" included):
  * a PUT whose Content-Type is application/x-www-form-urlencoded (what curl or urllib send by default when
    given a body and no type) is stored EMPTY: werkzeug takes the body as a form. Always send a
    Content-Type (e.g. application/octet-stream) on PUT, presigned or not.
  * response-content-type (and the other response-* overrides) of a presigned GET is ignored: the response
    carries the stored Content-Type.

Install: python3 -m pip install --break-system-packages -r Tests/reference/requirements-s3.txt
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
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
    parser.add_argument("--start-timeout", type=float, default=60.0,
                        help="seconds to wait for moto to listen and the bucket to exist (default 60)")
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

    if args.port != 0:
        # ThreadedMotoServer binds in its own thread and, when the port is taken, start() waits forever:
        # refuse a busy port up front, and give up if moto is still not listening after --start-timeout.
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            probe.bind((HOST, args.port))
        except OSError as e:
            print(f"moto_s3: cannot listen on {HOST}:{args.port}: {e.strerror}", file=sys.stderr)
            return 1
        finally:
            probe.close()
    ready = threading.Event()

    def watchdog():
        if not ready.wait(args.start_timeout):
            print(f"moto_s3: not ready after {args.start_timeout:g}s; giving up", file=sys.stderr, flush=True)
            os._exit(1)

    threading.Thread(target=watchdog, daemon=True).start()
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
        ready.set()
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
