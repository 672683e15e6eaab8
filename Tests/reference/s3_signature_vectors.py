#!/usr/bin/env python3
r"""botocore's AWS Signature Version 4 for S3, frozen into vectors LabelPark's own Swift signer is held against.

Writes Tests/LabelParkAssetsTests/Resources/botocore-sigv4-vectors.json: presigned URLs and the exact signed
requests botocore builds for S3-compatible storage at a fixed time with fixed credentials, path-style, over
http://127.0.0.1:9000. Nothing is sent anywhere: a `before-send` handler records each prepared request and
answers it with a fake 200, and the clock botocore signs with is patched to 2026-01-02T03:04:05Z.

    python3 -m pip install --break-system-packages -r Tests/reference/requirements-s3.txt
    python3 Tests/reference/s3_signature_vectors.py            # (re)write the JSON
    python3 Tests/reference/s3_signature_vectors.py --check    # exit 1 with a diff if the JSON is stale

Every vector is also re-derived by `Model` below, a small independent implementation of the rules written
down here, so the rules are checked against botocore on every run (generation stops if one does not hold).

RULES OBSERVED (botocore 1.43.11; the Swift side must reproduce these exactly)
=============================================================================
Notation: UriEncode(s, keep) = UTF-8 bytes of s (no Unicode normalization: the key's bytes as given), each
byte kept as-is when it is an unreserved character A-Z a-z 0-9 - _ . ~ or in `keep`, otherwise written as
%XX with UPPERCASE hex. A space is %20 (never '+'). (In Swift, work on `key.utf8`: String equality and
some Foundation APIs treat NFC and NFD as the same string, S3 and the signature do not.)

Time and scope
  * X-Amz-Date = UTC time formatted %Y%m%dT%H%M%SZ (20260102T030405Z); the scope date is its first 8 chars.
  * Credential scope = <date>/us-east-1/s3/aws4_request; Credential = <access key>/<scope>.
  * Signing key = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), "s3"), "aws4_request");
    signature = lowercase hex HMAC-SHA256(signing key, string-to-sign).
  * String-to-sign = "AWS4-HMAC-SHA256\n<X-Amz-Date>\n<scope>\n<lowercase hex SHA-256 of canonical request>".

URL path = canonical URI (path-style: /<bucket>/<key>)
  * Path = "/" + bucket + "/" + UriEncode(key, keep="/"). So '/' is kept (also '//' in "a//double-slash",
    no normalization, no dot-segment removal), '~' is kept, '+' -> %2B, ' ' -> %20, '%' -> %25 (the literal
    key "percent%20literal.jpg" becomes percent%2520literal.jpg), and ! ' ( ) * & $ @ = ; : , ? are all
    escaped (%21 %27 %28 %29 %2A %26 %24 %40 %3D %3B %3A %2C %3F). Unicode: UTF-8 bytes, %XX uppercase
    (煤 -> %E7%85%A4, Ü (U+00DC, NFC as given) -> %C3%9C).
  * For S3 the canonical URI is that URL path byte-for-byte: S3SigV4Auth does NOT normalize the path and
    does NOT encode it a second time (unlike other services). The bucket-only path (ListObjectsV2) is
    "/labelpark-test" with no trailing slash.

Query strings
  * Every query key and value is UriEncode(x, keep="") (so '/' -> %2F, '+' -> %2B, '=' -> %3D, ' ' -> %20,
    '~' kept) -- the same encoding in the URL and in the canonical query string.
  * Canonical query string = the encoded key=value pairs sorted by encoded key (then encoded value),
    plain byte order (so uppercase 'X-Amz-*' sorts BEFORE lowercase 'response-content-type'), joined by '&'.
    A key without a value is "key=" (not used here).
  * ListObjectsV2: botocore always adds encoding-type=url (the listing's keys come back URL-encoded) and
    the operation's list-type=2. URL order: list-type=2 first, then the params in the order the caller
    passed them (Python dict order: prefix, continuation-token, delimiter, max-keys, start-after in the
    "reserved" case), then encoding-type=url LAST; the canonical query string is sorted as above, e.g.
      continuation-token=1%2FAbC%2BdEf%3D%3D&encoding-type=url&list-type=2&prefix=dir%2Fsub%2Fphoto%201
    Only the canonical (sorted) string is signed; the URL order does not affect the signature.

Presigned URLs (generate_presigned_url, S3SigV4QueryAuth)
  * URL query = <operation params>&<auth params>&X-Amz-Signature=<sig>. The operation params
    (response-content-type=image%2Fjpeg) come FIRST, the auth params follow in this fixed, NOT sorted,
    order: X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires=300,
    X-Amz-SignedHeaders, then X-Amz-Security-Token only when there is a session token, and
    X-Amz-Signature is appended last. X-Amz-Credential's '/' are %2F; a token's '/', '+', '=' are
    %2F %2B %3D.
  * The canonical query string is all of those except X-Amz-Signature, sorted (so X-Amz-* ... then
    response-content-type); the session token IS in the canonical query (signed), and X-Amz-Security-Token
    sorts after X-Amz-Expires and before X-Amz-SignedHeaders (byte order: "Se" < "Si").
  * Signed headers: just "host" (value 127.0.0.1:9000: the port is kept because it is not the scheme's
    default). A presigned put_object with ContentType signs "content-type;host" (URL value
    content-type%3Bhost), and the uploader must then send exactly that Content-Type. No x-amz-date /
    x-amz-content-sha256 headers. Payload hash line of the canonical request: UNSIGNED-PAYLOAD.
  * Presigning is not affected by the checksum settings (request_checksum_calculation).

Header-signed requests (S3SigV4Auth)
  * botocore signs EVERY header present when it signs, lowercased, sorted, values trimmed with inner runs of
    spaces collapsed (from botocore's code: no value here has such spaces) and otherwise verbatim (the
    token's '/', '+', '=' are NOT encoded in x-amz-security-token), except: user-agent, expect, transfer-encoding, connection, keep-alive, te, trailer,
    upgrade, proxy-*, x-amzn-trace-id. host is always signed (from the URL: 127.0.0.1:9000).
  * Headers added AFTER signing and therefore never signed: Content-Length, amz-sdk-invocation-id (a random
    UUID), amz-sdk-request (attempt=1), and User-Agent / Expect: 100-continue (present but excluded).
  * Always signed: host, x-amz-content-sha256, x-amz-date, and x-amz-security-token when there is a session
    token (its value verbatim in the header, no encoding). X-Amz-Content-SHA256 is always sent as a header.
  * put_object: + content-type. GET with Range: + range ("bytes=0-99"). head_object, delete_object and
    list_objects_v2: only the always-signed ones. botocore never adds Content-MD5 by itself; when the caller
    passes ContentMD5 (base64 of the MD5, "XUFAKrxLKna5cZ2REBfFkg==" for b"hello") it is sent and signed
    as content-md5 (cases put_object-content-md5-http/-https).
  * Checksums -- profile "default" (botocore >= 1.36 defaults: request_checksum_calculation and
    response_checksum_validation = when_supported):
      - put_object also sends and signs x-amz-checksum-crc32 (base64 of the big-endian CRC32 of the body,
        "NhCmhg==" for b"hello") and x-amz-sdk-checksum-algorithm: CRC32;
      - get_object also sends and signs x-amz-checksum-mode: ENABLED.
    Profile "when_required" (both settings = when_required) sends none of these: that is plain SigV4, which
    is what a minimal signer emits; both are recorded.
  * Payload hash (X-Amz-Content-SHA256, and the last line of the canonical request):
      - over http: always the real lowercase-hex SHA-256 of the body (put of b"hello" ->
        2cf24dba...9824); requests without a body use the empty-string hash e3b0c442...b855. Never
        UNSIGNED-PAYLOAD over http.
      - over https, put_object (a streaming body) with a checksum header is NOT payload-signed: with
        "when_required" and ContentMD5 the hash is the literal UNSIGNED-PAYLOAD; with the default profile
        botocore switches to an aws-chunked body with a trailing checksum (ContentMD5 or not):
        X-Amz-Content-SHA256: STREAMING-UNSIGNED-PAYLOAD-TRAILER,
        Content-Encoding: aws-chunked, X-Amz-Trailer: x-amz-checksum-crc32,
        X-Amz-Decoded-Content-Length: 5, Transfer-Encoding: chunked (all but transfer-encoding signed),
        body "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n". With "when_required" and no
        checksum header, https payloads are still signed with the real SHA-256. (https cases: endpoint
        https://127.0.0.1:9000.) A Swift signer that talks http, or that sends no checksum header, always
        signs the real SHA-256.
  * Authorization = "AWS4-HMAC-SHA256 Credential=<key>/<scope>, SignedHeaders=<a;b;c>, Signature=<hex>"
    (comma + space separators).
  * Canonical request = method \n canonical URI \n canonical query \n canonical headers ("name:value\n"
    each, so an empty line follows the last) \n signed headers \n payload hash.

The JSON (keys sorted, UTF-8 not escaped, 2-space indent, trailing newline; lists in the order generated here)
  {
    "generator": "Tests/reference/s3_signature_vectors.py", "botocore_version", "boto3_version",
    "time": "2026-01-02T03:04:05Z", "amz_date": "20260102T030405Z", "region": "us-east-1", "service": "s3",
    "endpoint": "http://127.0.0.1:9000", "bucket": "labelpark-test", "addressing_style": "path",
    "credentials": {"access_key_id", "secret_access_key", "session_token"},   # the token for cases that use one
    "expires": 300, "put_body_base64": "aGVsbG8=" (b"hello", the body of every put_object),
    "profiles": {"default" | "when_required": {the botocore Config options of that client}},
    "keys": [{"name", "key", "key_utf8_hex"}],
    "volatile_headers_omitted": ["amz-sdk-invocation-id", "user-agent"],      # unsigned, vary per run/machine
    "presigned": [{"id", "operation", "key_name", "key", "expires", "response_content_type"|null,
                   "content_type"|null, "session_token"|null, "method", "url", "signed_headers": [...],
                   "canonical_request", "string_to_sign", "signature"}],
    "requests": [{"id", "operation", "profile", "endpoint", "key_name"|null, "key"|null,
                  "params": {botocore params except Body}, "session_token"|null, "method", "url",
                  "query": [[name, value], ...] decoded, in URL order (ListObjectsV2 only; [] otherwise),
                  "headers": {lowercased name: value, all headers botocore hands to the HTTP client except
                              the volatile ones; Host is not among them: it is the signed "host" value},
                  "signed_headers": [...], "canonical_headers": {name: value as signed, incl. host},
                  "body_base64", "body_length", "body_sha256",
                  "canonical_request", "string_to_sign", "signature"}]
  }
Ids: "presign/<operation>[+response-content-type|+content-type]/<key name>/<token|no-token>" and
"<operation>[-https|-content-md5-http|-content-md5-https]/<key or list case name>/<profile>/<token|no-token>".
A Swift test needs, per request vector: method, key (or query), the signed header values from
"canonical_headers" (minus host), the payload hash (headers["x-amz-content-sha256"]) and session_token; it
should reproduce canonical_request, string_to_sign, signature and headers["authorization"] byte for byte,
and the url (presigned: the whole URL).
`--check` compares everything except botocore_version/boto3_version (a version bump that changes nothing
passes with a note); any vector that differs fails with a unified diff.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import difflib
import hashlib
import hmac
import json
import logging
import sys
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.awsrequest import AWSResponse
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests" / "LabelParkAssetsTests" / "Resources" / "botocore-sigv4-vectors.json"

FIXED_TIME = datetime.datetime(2026, 1, 2, 3, 4, 5)  # naive UTC, as botocore's clock returns it
TIME_ISO = "2026-01-02T03:04:05Z"
AMZ_DATE = "20260102T030405Z"
REGION = "us-east-1"
SERVICE = "s3"
ENDPOINT = "http://127.0.0.1:9000"
HTTPS_ENDPOINT = "https://127.0.0.1:9000"
BUCKET = "labelpark-test"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN//+="
EXPIRES = 300
PUT_BODY = b"hello"
PUT_CONTENT_TYPE = "image/png"
RANGE = "bytes=0-99"
RESPONSE_CONTENT_TYPE = "image/jpeg"

HEX64 = hashlib.sha256(b"labelpark").hexdigest()
KEYS = [
    ("plain", "a.jpg"),
    ("space", "dir/sub/photo 1.jpg"),
    ("plus", "plus+sign.png"),
    ("tilde", "tilde~name.tif"),
    ("cjk", "unicode/煤矿/井下 相机-01.jpg"),
    ("latin-accents", "unicode/\u00dcn\u00efc\u00f6d\u00e9.png"),  # NFC: Ü ï ö é precomposed
    ("blob", f"blobs/ab/cd/{HEX64}"),
    ("tile", f"tiles/{HEX64}/12/3_4.jpg"),
    ("reserved", "weird/!'()*&$@=;:,?.jpg"),
    ("double-slash", "a//double-slash"),
    ("percent-literal", "percent%20literal.jpg"),
]
LIST_CASES = [
    ("bare", {}),
    ("prefix-cjk", {"Prefix": "unicode/煤矿/"}),
    ("prefix-space-token", {"Prefix": "dir/sub/photo 1", "ContinuationToken": "1/AbC+dEf=="}),
    ("reserved", {"Prefix": "weird/!'()*&$@=;:,?", "ContinuationToken": "tok~en/+ =&%2F?#é",
                  "Delimiter": "/", "MaxKeys": 1000, "StartAfter": "a b+c"}),
]
PROFILES = {
    "default": {},
    "when_required": {"request_checksum_calculation": "when_required",
                      "response_checksum_validation": "when_required"},
}
HTTPS_PUT_KEYS = ("plain", "cjk")
PUT_CONTENT_MD5 = base64.b64encode(hashlib.md5(PUT_BODY).digest()).decode("ascii")  # XUFAKrxLKna5cZ2REBfFkg==
VOLATILE_HEADERS = ("amz-sdk-invocation-id", "user-agent")
LIST_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>'
             b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>labelpark-test</Name>'
             b'<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>')


# ---------------------------------------------------------------------------------------------- the clock

def _frozen_now(remove_tzinfo: bool = True) -> datetime.datetime:
    return FIXED_TIME if remove_tzinfo else FIXED_TIME.replace(tzinfo=datetime.timezone.utc)


@contextlib.contextmanager
def frozen_clock():
    """Patch the clock botocore.auth signs with. botocore >= 1.31 imports compat.get_current_datetime into
    botocore.auth; older releases call datetime.datetime.utcnow() on botocore.auth's `datetime` module."""
    with contextlib.ExitStack() as stack:
        if hasattr(botocore.auth, "get_current_datetime"):
            stack.enter_context(mock.patch("botocore.auth.get_current_datetime", _frozen_now))
        else:
            real = botocore.auth.datetime

            class _FrozenDatetime(real.datetime):  # type: ignore[misc, valid-type]
                @classmethod
                def utcnow(cls):
                    return FIXED_TIME

            fake = mock.MagicMock(wraps=real)
            fake.datetime = _FrozenDatetime
            stack.enter_context(mock.patch("botocore.auth.datetime", fake))
        yield


# ------------------------------------------------------------------------------- botocore's debug logging

class _SigningLog(logging.Handler):
    """Collects what botocore.auth logs at DEBUG: CanonicalRequest, StringToSign, Signature."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.items: list[tuple[str, str]] = []

    def emit(self, record):
        for label in ("CanonicalRequest", "StringToSign", "Signature"):
            if record.msg.startswith(label + ":") and record.args:
                self.items.append((label, str(record.args[0])))

    def take(self) -> dict[str, str]:
        labels = [label for label, _ in self.items]
        if labels != ["CanonicalRequest", "StringToSign", "Signature"]:
            raise SystemExit(f"expected one signing in botocore's log, got {labels}")
        out = dict(self.items)
        self.items = []
        return out


@contextlib.contextmanager
def signing_log():
    logger = logging.getLogger("botocore.auth")
    handler = _SigningLog()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


# ---------------------------------------------------------------------------------- capturing requests

class _FakeRaw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_, **__):
        body, self._body = self._body, b""
        return body


def _body_bytes(body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "seek"):
        with contextlib.suppress(Exception):
            body.seek(0)
    if hasattr(body, "read"):
        chunks = []
        while True:
            chunk = body.read(65536)
            if not chunk:
                break
            chunks.append(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        return b"".join(chunks)
    return bytes(body)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


_CLIENTS: dict[tuple, tuple] = {}


def _before_send(seen: list):
    def handler(request, **kwargs):
        body = _body_bytes(request.body)
        headers = {}
        for name, value in request.headers.items():
            lname = name.lower()
            if lname in headers:
                raise SystemExit(f"duplicate header {lname}")
            if lname not in VOLATILE_HEADERS:
                headers[lname] = _text(value)
        seen.append({"method": request.method, "url": request.url, "headers": headers, "body": body})
        payload = LIST_BODY if kwargs.get("event_name", "").endswith("ListObjectsV2") else b""
        return AWSResponse(request.url, 200, {}, _FakeRaw(payload))
    return handler


def make_client(endpoint: str, token: str | None, profile: str):
    """One client per (endpoint, token, profile), with a before-send handler that records the prepared
    request into the client's `seen` list and answers with a fake 200 (nothing goes on the network)."""
    cache_key = (endpoint, token, profile)
    if cache_key not in _CLIENTS:
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                        aws_session_token=token, region_name=REGION)
        config = Config(s3={"addressing_style": "path"}, signature_version="s3v4", **PROFILES[profile])
        client = session.client("s3", endpoint_url=endpoint, config=config)
        seen: list[dict] = []
        client.meta.events.register("before-send.s3", _before_send(seen))
        _CLIENTS[cache_key] = (client, seen)
    return _CLIENTS[cache_key]


def _signed_parts(canonical_request: str) -> tuple[list[str], dict[str, str]]:
    lines = canonical_request.split("\n")
    signed = lines[-2].split(";")
    canonical = dict(line.split(":", 1) for line in lines[3:3 + len(signed)])
    if list(canonical) != signed:
        raise SystemExit(f"canonical headers {list(canonical)} != signed headers {signed}")
    return signed, canonical


def _query_pairs(url: str) -> list[list[str]]:
    """The URL's query as decoded [name, value] pairs, in URL order (sort_keys cannot reorder a list)."""
    query = urlsplit(url).query
    return [[unquote(k), unquote(v)] for k, _, v in (p.partition("=") for p in query.split("&"))] if query else []


def capture_request(log: _SigningLog, *, operation: str, profile: str, endpoint: str, token: str | None,
                    key_name: str | None, key: str | None, params: dict) -> dict:
    client, seen = make_client(endpoint, token, profile)
    seen.clear()
    call = dict(params)
    if operation == "put_object":
        call["Body"] = PUT_BODY
    getattr(client, operation)(**call)
    if len(seen) != 1:
        raise SystemExit(f"{operation}: expected one request, saw {len(seen)}")
    sent = seen[0]
    signing = log.take()
    signed, canonical = _signed_parts(signing["CanonicalRequest"])
    body = sent["body"]
    return {
        "operation": operation, "profile": profile, "endpoint": endpoint, "key_name": key_name, "key": key,
        "params": params, "session_token": token, "method": sent["method"], "url": sent["url"],
        "query": _query_pairs(sent["url"]),
        "headers": dict(sorted(sent["headers"].items())), "signed_headers": signed,
        "canonical_headers": canonical,
        "body_base64": base64.b64encode(body).decode("ascii"), "body_length": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "canonical_request": signing["CanonicalRequest"], "string_to_sign": signing["StringToSign"],
        "signature": signing["Signature"],
    }


def capture_presign(log: _SigningLog, *, operation: str, token: str | None, key_name: str, key: str,
                    response_content_type: str | None, content_type: str | None) -> dict:
    client, _ = make_client(ENDPOINT, token, "default")
    params = {"Bucket": BUCKET, "Key": key}
    if response_content_type is not None:
        params["ResponseContentType"] = response_content_type
    if content_type is not None:
        params["ContentType"] = content_type
    url = client.generate_presigned_url(operation, Params=params, ExpiresIn=EXPIRES)
    signing = log.take()
    signed, _ = _signed_parts(signing["CanonicalRequest"])
    return {
        "operation": operation, "key_name": key_name, "key": key, "expires": EXPIRES,
        "response_content_type": response_content_type, "content_type": content_type,
        "session_token": token, "method": "PUT" if operation == "put_object" else "GET", "url": url,
        "signed_headers": signed, "canonical_request": signing["CanonicalRequest"],
        "string_to_sign": signing["StringToSign"], "signature": signing["Signature"],
    }


# --------------------------------------------------------------------- the rules, as an independent model

class Model:
    """The rules of the comment block above, written independently of botocore; every vector must agree."""

    UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

    @classmethod
    def uri_encode(cls, text: str, keep: str = "") -> str:
        keep_bytes = frozenset(keep.encode("ascii"))
        return "".join(chr(b) if b in cls.UNRESERVED or b in keep_bytes else f"%{b:02X}"
                       for b in str(text).encode("utf-8"))

    @classmethod
    def path(cls, key: str | None) -> str:
        return f"/{BUCKET}" if key is None else f"/{BUCKET}/{cls.uri_encode(key, keep='/')}"

    @classmethod
    def canonical_query(cls, pairs: list[tuple[str, str]]) -> str:
        encoded = sorted((cls.uri_encode(k), cls.uri_encode(v)) for k, v in pairs)
        return "&".join(f"{k}={v}" for k, v in encoded)

    @staticmethod
    def scope() -> str:
        return f"{AMZ_DATE[:8]}/{REGION}/{SERVICE}/aws4_request"

    @classmethod
    def sign(cls, canonical_request: str) -> tuple[str, str]:
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256", AMZ_DATE, cls.scope(),
                                    hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
        key = ("AWS4" + SECRET_KEY).encode("utf-8")
        for part in (AMZ_DATE[:8], REGION, SERVICE, "aws4_request"):
            key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
        return string_to_sign, hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    @classmethod
    def presign(cls, v: dict) -> dict:
        host = ENDPOINT.split("://", 1)[1]
        path = cls.path(v["key"])
        op_params = [] if v["response_content_type"] is None else \
            [("response-content-type", v["response_content_type"])]
        signed = ["content-type", "host"] if v["content_type"] is not None else ["host"]
        auth = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", f"{ACCESS_KEY}/{cls.scope()}"),
                ("X-Amz-Date", AMZ_DATE), ("X-Amz-Expires", str(v["expires"])),
                ("X-Amz-SignedHeaders", ";".join(signed))]
        if v["session_token"] is not None:
            auth.append(("X-Amz-Security-Token", v["session_token"]))
        headers = {"host": host}
        if v["content_type"] is not None:
            headers["content-type"] = v["content_type"]
        canonical_request = "\n".join([
            v["method"], path, cls.canonical_query(op_params + auth),
            "".join(f"{n}:{headers[n]}\n" for n in signed), ";".join(signed), "UNSIGNED-PAYLOAD"])
        string_to_sign, signature = cls.sign(canonical_request)
        query = "&".join(f"{cls.uri_encode(k)}={cls.uri_encode(val)}" for k, val in op_params + auth)
        url = f"{ENDPOINT}{path}?{query}&X-Amz-Signature={signature}"
        return {"url": url, "canonical_request": canonical_request, "string_to_sign": string_to_sign,
                "signature": signature, "signed_headers": signed}

    NEVER_SIGNED = {"authorization", "user-agent", "expect", "transfer-encoding", "content-length", "amz-sdk-request",
                    "amz-sdk-invocation-id"}
    LIST_PARAMS = [("Delimiter", "delimiter"), ("MaxKeys", "max-keys"), ("Prefix", "prefix"),
                   ("ContinuationToken", "continuation-token"), ("StartAfter", "start-after")]

    @classmethod
    def expected_header_names(cls, r: dict) -> set[str]:
        names = {"authorization", "x-amz-content-sha256", "x-amz-date"}
        if r["session_token"] is not None:
            names.add("x-amz-security-token")
        op, default, https = r["operation"], r["profile"] == "default", r["endpoint"].startswith("https")
        if op == "put_object":
            names |= {"content-type", "expect", "amz-sdk-request"}
            if "ContentMD5" in r["params"]:
                names.add("content-md5")
            if default:
                names.add("x-amz-sdk-checksum-algorithm")
                names |= ({"content-encoding", "x-amz-trailer", "x-amz-decoded-content-length",
                           "transfer-encoding"} if https else {"x-amz-checksum-crc32", "content-length"})
            else:
                names.add("content-length")
        else:
            names.add("amz-sdk-request")
            if op == "get_object":
                names.add("range")
                if default:
                    names.add("x-amz-checksum-mode")
            if op == "delete_object":
                names.add("content-length")
        return names

    @classmethod
    def request(cls, r: dict) -> dict:
        host = r["endpoint"].split("://", 1)[1]
        if r["operation"] == "list_objects_v2":
            wire = dict(cls.LIST_PARAMS)  # in the order the caller passed them (dict order), then encoding-type
            pairs = [("list-type", "2")] + [(wire[name], str(value)) for name, value in r["params"].items()
                                             if name != "Bucket"] + [("encoding-type", "url")]
            path = cls.path(None)
            url_query = "?" + "&".join(f"{cls.uri_encode(k)}={cls.uri_encode(v)}" for k, v in pairs)
        else:
            pairs, path, url_query = [], cls.path(r["key"]), ""
        query = list(pairs)
        headers = r["headers"]
        if set(headers) != cls.expected_header_names(r):
            raise AssertionError(f"headers {sorted(headers)} != {sorted(cls.expected_header_names(r))}")
        to_sign = {n: " ".join(v.split()) for n, v in headers.items() if n not in cls.NEVER_SIGNED}
        to_sign["host"] = host
        signed = sorted(to_sign)
        body = base64.b64decode(r["body_base64"])
        if r["operation"] == "put_object" and r["profile"] == "default" and r["endpoint"].startswith("https"):
            crc = base64.b64encode((zlib.crc32(PUT_BODY)).to_bytes(4, "big")).decode()
            assert body == f"{len(PUT_BODY):x}\r\n".encode() + PUT_BODY + \
                f"\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode(), body
            payload = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        elif r["endpoint"].startswith("https") and "content-md5" in headers:
            payload = "UNSIGNED-PAYLOAD"  # https + a checksum header + a streaming body (PutObject)
        else:
            payload = hashlib.sha256(body).hexdigest()
        assert headers["x-amz-content-sha256"] == payload
        if "content-md5" in headers:
            assert headers["content-md5"] == base64.b64encode(hashlib.md5(PUT_BODY).digest()).decode()
        assert headers["x-amz-date"] == AMZ_DATE
        if r["session_token"] is not None:
            assert headers["x-amz-security-token"] == r["session_token"]
        if "x-amz-checksum-crc32" in headers:
            crc = base64.b64encode((zlib.crc32(body)).to_bytes(4, "big")).decode()
            assert headers["x-amz-checksum-crc32"] == crc
        canonical_request = "\n".join([
            r["method"], path, cls.canonical_query(pairs),
            "".join(f"{n}:{to_sign[n]}\n" for n in signed), ";".join(signed), payload])
        string_to_sign, signature = cls.sign(canonical_request)
        authorization = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{cls.scope()}, "
                         f"SignedHeaders={';'.join(signed)}, Signature={signature}")
        return {"url": f"{r['endpoint']}{path}{url_query}", "query": query, "canonical_request": canonical_request,
                "string_to_sign": string_to_sign, "signature": signature, "signed_headers": signed,
                "authorization": authorization}


def check_model(doc: dict) -> None:
    problems = []
    for v in doc["presigned"]:
        m = Model.presign(v)
        for field in ("url", "canonical_request", "string_to_sign", "signature", "signed_headers"):
            if m[field] != v[field]:
                problems.append(f"presigned {v['id']}: {field}\n  model:    {m[field]!r}\n  botocore: {v[field]!r}")
    for r in doc["requests"]:
        try:
            m = Model.request(r)
        except AssertionError as e:
            problems.append(f"request {r['id']}: {e}")
            continue
        m_fields = {"url": r["url"], "canonical_request": r["canonical_request"],
                    "string_to_sign": r["string_to_sign"], "signature": r["signature"],
                    "signed_headers": r["signed_headers"], "authorization": r["headers"]["authorization"]}
        if r["query"] != [list(p) for p in m["query"]]:
            problems.append(f"request {r['id']}: query {r['query']} != model {m['query']}")
        for field, value in m_fields.items():
            if m[field] != value:
                problems.append(f"request {r['id']}: {field}\n  model:    {m[field]!r}\n  botocore: {value!r}")
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        raise SystemExit(f"{len(problems)} vector(s) disagree with the documented rules (Model)")


# ----------------------------------------------------------------------------------------- generation

def generate() -> dict:
    presigned: list[dict] = []
    requests: list[dict] = []
    with frozen_clock(), signing_log() as log:
        now = botocore.auth.get_current_datetime() if hasattr(botocore.auth, "get_current_datetime") \
            else botocore.auth.datetime.datetime.utcnow()
        if now != FIXED_TIME:
            raise SystemExit(f"clock patch did not take: botocore sees {now}")
        for token in (None, SESSION_TOKEN):
            tag = "token" if token else "no-token"
            for key_name, key in KEYS:
                for operation, rct, ct, suffix in (
                        ("get_object", None, None, ""),
                        ("get_object", RESPONSE_CONTENT_TYPE, None, "+response-content-type"),
                        ("put_object", None, None, ""),
                        ("put_object", None, PUT_CONTENT_TYPE, "+content-type")):
                    v = capture_presign(log, operation=operation, token=token, key_name=key_name, key=key,
                                        response_content_type=rct, content_type=ct)
                    presigned.append({"id": f"presign/{operation}{suffix}/{key_name}/{tag}", **v})
        for token in (None, SESSION_TOKEN):
            tag = "token" if token else "no-token"
            for profile in PROFILES:
                for key_name, key in KEYS:
                    base = {"Bucket": BUCKET, "Key": key}
                    for operation, params in (
                            ("put_object", {**base, "ContentType": PUT_CONTENT_TYPE}),
                            ("get_object", {**base, "Range": RANGE}),
                            ("head_object", base),
                            ("delete_object", base)):
                        r = capture_request(log, operation=operation, profile=profile, endpoint=ENDPOINT,
                                            token=token, key_name=key_name, key=key, params=params)
                        requests.append({"id": f"{operation}/{key_name}/{profile}/{tag}", **r})
                for case_name, extra in LIST_CASES:
                    r = capture_request(log, operation="list_objects_v2", profile=profile, endpoint=ENDPOINT,
                                        token=token, key_name=None, key=None, params={"Bucket": BUCKET, **extra})
                    requests.append({"id": f"list_objects_v2/{case_name}/{profile}/{tag}", **r})
                for key_name, key in KEYS:
                    if key_name in HTTPS_PUT_KEYS:
                        r = capture_request(log, operation="put_object", profile=profile, endpoint=HTTPS_ENDPOINT,
                                            token=token, key_name=key_name, key=key,
                                            params={"Bucket": BUCKET, "Key": key, "ContentType": PUT_CONTENT_TYPE})
                        requests.append({"id": f"put_object-https/{key_name}/{profile}/{tag}", **r})
                for endpoint, scheme in ((ENDPOINT, "http"), (HTTPS_ENDPOINT, "https")):
                    key_name, key = KEYS[0]
                    r = capture_request(log, operation="put_object", profile=profile, endpoint=endpoint,
                                        token=token, key_name=key_name, key=key,
                                        params={"Bucket": BUCKET, "Key": key, "ContentType": PUT_CONTENT_TYPE,
                                                "ContentMD5": PUT_CONTENT_MD5})
                    requests.append({"id": f"put_object-content-md5-{scheme}/{key_name}/{profile}/{tag}", **r})
    doc = {
        "generator": "Tests/reference/s3_signature_vectors.py",
        "botocore_version": botocore.__version__,
        "boto3_version": boto3.__version__,
        "time": TIME_ISO, "amz_date": AMZ_DATE, "region": REGION, "service": SERVICE,
        "endpoint": ENDPOINT, "bucket": BUCKET, "addressing_style": "path", "expires": EXPIRES,
        "credentials": {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY,
                        "session_token": SESSION_TOKEN},
        "profiles": {name: {"signature_version": "s3v4", "s3": {"addressing_style": "path"}, **opts}
                     for name, opts in PROFILES.items()},
        "put_body_base64": base64.b64encode(PUT_BODY).decode("ascii"),
        "keys": [{"name": n, "key": k, "key_utf8_hex": k.encode("utf-8").hex()} for n, k in KEYS],
        "volatile_headers_omitted": list(VOLATILE_HEADERS),
        "presigned": presigned,
        "requests": requests,
    }
    verify(doc)
    return doc


def verify(doc: dict) -> None:
    ids = [v["id"] for v in doc["presigned"]] + [r["id"] for r in doc["requests"]]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate vector ids")
    for v in doc["presigned"]:
        assert f"X-Amz-Date={AMZ_DATE}&" in v["url"], v["url"]
        assert f"{ACCESS_KEY}%2F{AMZ_DATE[:8]}%2F" in v["url"], v["url"]
        assert v["string_to_sign"].split("\n")[1] == AMZ_DATE
    for r in doc["requests"]:
        assert r["headers"]["x-amz-date"] == AMZ_DATE, r["id"]
        assert f"Credential={ACCESS_KEY}/{AMZ_DATE[:8]}/" in r["headers"]["authorization"], r["id"]
        assert r["headers"]["authorization"].endswith("Signature=" + r["signature"]), r["id"]
        assert not set(VOLATILE_HEADERS) & set(r["signed_headers"]), r["id"]
    check_model(doc)


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="recompute and compare with the committed JSON; exit 1 with a diff if it differs")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"JSON path (default {OUTPUT})")
    args = parser.parse_args(argv)

    doc = generate()
    if not args.check:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(render(doc), encoding="utf-8")
        print(f"wrote {args.output} ({len(doc['presigned'])} presigned, {len(doc['requests'])} requests, "
              f"botocore {doc['botocore_version']})")
        return 0

    if not args.output.exists():
        print(f"{args.output} is missing; run without --check to write it", file=sys.stderr)
        return 1
    committed = json.loads(args.output.read_text(encoding="utf-8"))
    versions = ("botocore_version", "boto3_version")
    for field in versions:
        if committed.get(field) != doc[field]:
            print(f"note: {field} {committed.get(field)} in the file, {doc[field]} installed")
    expected = render({k: v for k, v in committed.items() if k not in versions})
    actual = render({k: v for k, v in doc.items() if k not in versions})
    if expected != actual:
        for section in ("presigned", "requests"):
            old_by_id = {v["id"]: v for v in committed.get(section, [])}
            new_by_id = {v["id"]: v for v in doc[section]}
            for vid in sorted(set(old_by_id) | set(new_by_id)):
                if old_by_id.get(vid) != new_by_id.get(vid):
                    state = "missing from the file" if vid not in old_by_id else \
                        "no longer generated" if vid not in new_by_id else "differs"
                    print(f"{section} {vid}: {state}")
        diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                         "committed " + str(args.output), "botocore " + botocore.__version__,
                                         lineterm=""))
        print("\n".join(diff[:400]))
        if len(diff) > 400:
            print(f"... {len(diff) - 400} more diff lines")
        print(f"FAIL: the SigV4 vectors differ from what botocore {botocore.__version__} computes", file=sys.stderr)
        return 1
    if render(committed) != args.output.read_text(encoding="utf-8"):
        print("FAIL: the JSON is not in canonical form (sorted keys, 2-space indent); rewrite it", file=sys.stderr)
        return 1
    print(f"ok: {len(doc['presigned'])} presigned URLs and {len(doc['requests'])} signed requests match "
          f"botocore {botocore.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
