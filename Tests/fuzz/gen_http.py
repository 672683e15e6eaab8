"""Families about HTTP itself: every header the server reads, sessions, the sign-in form, request lines, queries."""

from __future__ import annotations

from urllib.parse import quote

from fuzz_http import as_bytes
from gen_context import Context
from fuzz_park import PASSWORD

PAGES = ["/login", "/", "/projects/1", "/projects/1/annotate", "/projects/1/quality", "/projects/1/review",
         "/projects/new", "/my-work", "/static/js/api.js", "/static/css/app.css", "/static/favicon.svg",
         "/i18n/en.json", "/i18n/zh-CN.json", "/js/api.js", "/css/app.css"]
API_PATHS = ["/api/v1/me", "/api/v1/projects", "/api/v1/projects/1", "/api/v1/session", "/api/v1/organizations",
             "/api/v1/projects/1/progress", "/api/v1/annotations", "/healthz", "/metrics", "/api/v1/openapi.json"]

HUGE = "a" * 10_240
GENERIC = ["", " ", ";", ",", ",,,", "*", "=", ";;;", "\t", HUGE, "x," * 4_000, b"\xff\xfe", "\u00e9".encode(),
           "\u65e5\u672c\u8a9e".encode(), b"\x80\x81", b"\x7f", "\u202e".encode(), b"\x01"]
ACCEPT_LANGUAGE = [";", ",,,", "*;q=", "en;q=NaN", ";q=1", "zh", "zh-CN", "ZH-cn;q=0.5", "en;q=-1", "en;q=1e999",
                   "*", "q", "-", ";,;,", " ; ", "en-US,en;q=0.9,zh;q=0.8", "zh;", ";zh", ",", ", ;", "en;q=0.5;q=0.7",
                   "," * 1_000 + "zh", ";" * 1_000, "*;q=0", "\u00e9".encode(), b"\xff", HUGE, "zh" * 5_000, ""]
AUTHORIZATION = ["Bearer", "Bearer ", "Bearer  ", "bearer x", "Bearer " + "a" * 256, "Bearer " + "a" * 257,
                 "Basic dXNlcjpwYXNz", "Basic", "Token x", "", " Bearer x", "Bearer\tx", b"Bearer \xff\xfe",
                 "Bearer lp_" + "0" * 64, "Bearer \u00e9".encode(), "Bearer " + "\u00e9" * 128, "Bearer ;", HUGE]
CONTENT_TYPES = [None, "", "application/json; charset=utf-16", "application/json;;;", "text/plain",
                 "multipart/form-data; boundary=", "application/x-ndjson; charset=" + "x" * 5_000, ";", b"\xff/json",
                 "application/json\t", "APPLICATION/JSON", "application/x-www-form-urlencoded", "*/*", "text/csv;",
                 " application/x-ndjson ", "application/jsonl", "application/json; boundary=\"x"]
ORIGINS = ["null", "", "http://", "http://[::1", "http://\u00e9vil".encode(), HUGE, b"\xff", "https://evil.example",
           "http://127.0.0.1", "file://", "http://127.0.0.1:0"]
HOSTS = [None, "", "[::1", "[", "]", "[::ffff:zz]:1", ":", "a" * 10_000, "host:99999999999999999999", "host:-1",
         b"\xff", "[::1]:", "127.0.0.1:", "@", "h@st", "\u00e9".encode()]
FORWARDED = [("X-Forwarded-For", v) for v in ["", "1.2.3.4, 5.6.7.8", "::1", "junk", HUGE, b"\xff", ",,,"]] + \
            [("X-Forwarded-Proto", v) for v in ["https", "HTTPS", "", "gopher", b"\xff", HUGE]] + \
            [("X-Forwarded-Host", v) for v in ["evil.example", "", "[::1", HUGE, b"\xff"]]
RANGES = ["bytes=0-", "bytes=-1", "bytes=99999999999999999999-", "bytes=5-1", "bytes=", "*", "bytes=0-0,1-1,2-2",
          "items=0-1", HUGE]
IF_NONE_MATCH = ["*", 'W/"x"', '""', '"', HUGE, b"\xff", ",", '"abc", "def"']
COOKIES = ["lp_session=", "lp_session", "lp_session=;lp_session=", "lp_session=" + "a" * 64, "=", ";;;;",
           "lp_lang=zh-CN", "lp_lang=;", "lp_lang=" + HUGE, "lp_session=" + "\u00e9" * 32, "lp_lang==", "; lp_lang",
           "lp_session=" + "0" * 64, "lp_session=" + "G" * 64, b"lp_session=\xff", "a=b; " * 2_000, HUGE]
LANG_QUERIES = ["zh-CN", "", "%ff", ";", "zh-CN&lang=en", "%00", "x" * 5_000, "en%0d%0aSet-Cookie:%20a=b", "*"]
NEXT_VALUES = ["/", "//evil", "/\\evil", "/" + "a" * 15_000, "/\r\n", "/%0d%0a", "javascript:alert(1)", "/\u00e9",
               "/%ff", "/%", "/?x=" + "%" * 100, "https://evil", "/\t", "/\x00", "/\x7f", "/projects/1?lang=zh-CN",
               "/\u202e", "/" + "\U0001F600" * 100, "", "%2F%2Fevil"]


def header_cases(ctx: Context, name: str, values: list, paths: list[str]):
    """Each value of header `name` against every path in `paths`, without credentials."""
    for value in values:
        for path in paths:
            headers = [] if value is None else [(name, value)]
            yield ctx.request("GET", path, headers=headers, note=f"{name} corpus")


def headers(ctx: Context):
    """Accept-Language, Authorization, Origin, X-Forwarded-*, Range and If-None-Match on pages and API routes."""
    yield from header_cases(ctx, "Accept-Language", ACCEPT_LANGUAGE, ["/login", "/i18n/en.json"])
    for value in ACCEPT_LANGUAGE[:12]:
        yield ctx.request("GET", "/projects/1", headers=[("Accept-Language", value)] + ctx.session_headers(),
                          note="Accept-Language signed in")
    for value in LANG_QUERIES:
        yield ctx.request("GET", f"/login?lang={value}", note="lang query")
        yield ctx.request("GET", f"/?lang={value}", headers=ctx.session_headers(), note="lang query signed in")
    yield from header_cases(ctx, "Authorization", AUTHORIZATION, ["/api/v1/me", "/api/v1/projects/1/export"])
    for value in AUTHORIZATION[:8]:
        yield ctx.request("POST", "/api/v1/projects", b"{}", headers=[("Authorization", value)],
                          note="Authorization on a POST")
    for value in ORIGINS + GENERIC[:6]:
        yield ctx.request("GET", "/login", headers=[("Origin", value)], note="Origin")
    for name, value in FORWARDED:
        yield ctx.request("GET", "/login", headers=[(name, value)], note="forwarded")
        yield ctx.request("GET", "/api/v1/me", headers=[(name, value), ("Authorization", f"Bearer {ctx.park.manager.token}")],
                          note="forwarded on the API")
    yield from header_cases(ctx, "Range", RANGES, ["/static/js/api.js", "/api/v1/projects/1/export"])
    yield from header_cases(ctx, "If-None-Match", IF_NONE_MATCH, ["/static/css/app.css", "/i18n/en.json"])
    yield from header_cases(ctx, "Accept", GENERIC, ["/api/v1/me", "/login"])
    while ctx.more():
        yield random_header_case(ctx)


def random_header_case(ctx: Context):
    """A random path with one to three random headers, signed in or not."""
    rng = ctx.rng
    path = rng.choice(PAGES + API_PATHS)
    pool = ([("Accept-Language", v) for v in ACCEPT_LANGUAGE] + [("Authorization", v) for v in AUTHORIZATION] +
            [("Origin", v) for v in ORIGINS] + FORWARDED + [("Range", v) for v in RANGES] +
            [("If-None-Match", v) for v in IF_NONE_MATCH] + [("Cookie", v) for v in COOKIES] +
            [(rng.choice(["Accept-Language", "Cookie", "Accept", "X-CSRF-Token", "Content-Type"]), v) for v in GENERIC])
    chosen = [rng.choice(pool) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        chosen += ctx.session_headers(with_csrf=rng.random() < 0.5)
    method = rng.choice(["GET", "GET", "HEAD", "POST"])
    return ctx.request(method, path, b"{}" if method == "POST" else b"", headers=chosen, note="random headers")


def host_cases(ctx: Context):
    """Missing, empty, IPv6 junk, huge and repeated Host headers, with and without a matching Origin."""
    for host in HOSTS:
        for path in ["/login", "/api/v1/me", "/healthz"]:
            headers = [] if host is None else [("Host", host)]
            if path == "/api/v1/me":
                headers.append(("Authorization", f"Bearer {ctx.park.manager.token}"))
            yield ctx.request("GET", path, headers=headers, send_host=False, note="Host")
        post_headers = ([] if host is None else [("Host", host)]) + [
            ("Origin", f"http://{host}" if isinstance(host, str) else "http://x"),
            ("Content-Type", "application/x-www-form-urlencoded")]
        yield ctx.request("POST", "/login", b"email=a%40b.c&password=x", headers=post_headers, send_host=False,
                          note="Host and Origin on sign-in")
    yield ctx.request("GET", "/login", headers=[("Host", "a"), ("Host", "b")], send_host=False, note="two Hosts")


def session(ctx: Context):
    """Cookies (malformed, duplicate lp_session, huge) and CSRF tokens on pages and state-changing API calls."""
    real = f"lp_session={ctx.park.session_cookie}"
    cookies = COOKIES + [f"{real}; {real}", f"lp_session=x; {real}", f"{real}; lp_session=x", f"{real};;;",
                         f"{real}; lp_lang=zh-CN", f"{real}; lp_lang=;", f" {real} ", f"{real}=extra", real + "0"]
    for cookie in cookies:
        for path in ["/", "/login", "/api/v1/session", "/projects/1"]:
            yield ctx.request("GET", path, headers=[("Cookie", cookie)], note="Cookie")
    yield ctx.request("GET", "/", headers=[("Cookie", real), ("Cookie", "lp_lang=zh-CN"), ("Cookie", HUGE)],
                      note="three Cookie headers")
    for token in ["", ctx.park.csrf + "x", ctx.park.csrf[:-1], ctx.park.csrf.upper(), b"\xff" * 48, HUGE,
                  "\u00e9" * 24, ctx.park.csrf]:
        yield ctx.request("POST", "/api/v1/schemas/validate", b'{"schema":{}}',
                          headers=[("Cookie", real), ("X-CSRF-Token", token), ("Content-Type", "application/json")],
                          note="CSRF token")
        yield ctx.request("POST", "/logout", b"csrf_token=x",
                          headers=[("Cookie", "lp_session=" + "0" * 64), ("X-CSRF-Token", token)], note="logout CSRF")
    while ctx.more():
        cookie = b"; ".join(as_bytes(ctx.rng.choice(cookies)) for _ in range(ctx.rng.randint(1, 4)))
        yield ctx.request(ctx.rng.choice(["GET", "POST"]), ctx.rng.choice(PAGES[:8] + API_PATHS),
                          headers=[("Cookie", cookie)], note="random cookies")


def form(fields: list[tuple[str, str]]) -> bytes:
    """An urlencoded form from already-encoded pairs."""
    return "&".join(f"{name}={value}" for name, value in fields).encode()


def sign_in_success(ctx: Context):
    """Valid sign-ins whose `next` is hostile (the redirect echoes it), and GET /login?next= while signed in."""
    email = quote(ctx.park.reviewer.email)
    for value in NEXT_VALUES:
        body = form([("email", email), ("password", PASSWORD), ("next", quote(value, safe=""))])
        yield ctx.request("POST", "/login", body, headers=[("Content-Type", "application/x-www-form-urlencoded")],
                          note="sign-in with a hostile next")
        yield ctx.request("GET", "/login?next=" + quote(value, safe=""), headers=ctx.session_headers(),
                          note="signed-in GET /login?next=")
        yield ctx.request("GET", b"/login?next=" + value.encode("utf-8", "surrogatepass").replace(b" ", b"%20")
                          .replace(b"\r", b"%0d").replace(b"\n", b"%0a").replace(b"#", b"%23"),
                          headers=ctx.session_headers(), note="signed-in GET /login?next= unencoded")


def sign_in_form(ctx: Context):
    """POST /login with broken forms: bad percent-encoding, multipart, missing and repeated fields, huge bodies."""
    bodies = [b"", b"email", b"=", b"&&&", b"email=%", b"email=%zz&password=%", b"email=%ff%fe&password=%00",
              b"email=" + b"a" * 400 + b"%40b.c&password=x", b"password=" + b"p" * 2_000 + b"&email=a%40b.c",
              b"email=a%40b.c&email=b%40c.d&password=x&password=y", b"email=%E2%80%AE%40x.y&password=x",
              b"email=\xff\xfe&password=\x00", b"next=" + b"%2F" * 5_000, b"email=a%40b.c&password=x&next=" + b"a" * 16_000,
              b"x" * (16 << 10), b"x" * ((16 << 10) + 1), b"email=a%40b.c&password=x&" + b"k=v&" * 20_000,
              b"email=+++&password=+", b"%00=%00", b"email=a%40b.c%00&password=x", b"\xef\xbb\xbfemail=a"]
    for body in bodies:
        yield ctx.request("POST", "/login", body, headers=[("Content-Type", "application/x-www-form-urlencoded")],
                          note="broken form")
    boundary = "fuzzboundary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c\r\n--{boundary}\r\n"
                 f"Content-Disposition: form-data; name=\"password\"\r\n\r\nx\r\n--{boundary}--\r\n").encode()
    for content_type in [f"multipart/form-data; boundary={boundary}", "multipart/form-data", None, "text/plain",
                         "application/json"]:
        headers = [] if content_type is None else [("Content-Type", content_type)]
        yield ctx.request("POST", "/login", multipart, headers=headers, note="multipart sign-in")
    for origin in ORIGINS:
        yield ctx.request("POST", "/login", b"email=a%40b.c&password=x",
                          headers=[("Origin", origin), ("Content-Type", "application/x-www-form-urlencoded")],
                          note="sign-in Origin")
    for body in bodies[:10]:
        yield ctx.request("POST", "/logout", body, headers=[("Content-Type", "application/x-www-form-urlencoded")],
                          note="logout form")
    while ctx.more():
        yield ctx.request("POST", "/login", random_form(ctx),
                          headers=[("Content-Type", ctx.rng.choice(["application/x-www-form-urlencoded", "text/plain"]))],
                          note="random form")


def random_form(ctx: Context) -> bytes:
    """A random urlencoded form made of junk names and values."""
    rng = ctx.rng
    junk = [b"%", b"%z", b"%ff", b"%00", b"+", b"=", b"&", b"\xff", b"a" * 300, b"%E2%82", b"next", b"email",
            b"password", b"/", b"//x", b"%2F%2F"]
    pairs = [rng.choice(junk) + b"=" + b"".join(rng.choice(junk) for _ in range(rng.randint(0, 4)))
             for _ in range(rng.randint(1, 5))]
    return b"&".join(pairs)


def protocol(ctx: Context):
    """Odd methods, request targets, paths, HTTP versions, bodies on GET, chunked and truncated bodies."""
    token = ctx.park.manager.token
    auth = [("Authorization", f"Bearer {token}")]
    for method in ["OPTIONS", "TRACE", "PROPFIND", "get", "DELETE", "PUT", "PATCH", "CONNECT", "X" * 100]:
        for path in ["/login", "/api/v1/projects", "/healthz", "/api/v1/projects/1"]:
            yield ctx.request(method, path, headers=auth, note="method")
    paths = ["/api/v1/projects/9223372036854775807", "/api/v1/projects/9223372036854775808", "/api/v1/projects/-1",
             "/api/v1/projects/0", "/api/v1/projects/1e3", "/api/v1/projects/%00", "/api/v1/projects/..%2f..%2f",
             "//api/v1/projects", "/api/v1//projects", "/api/v1/projects/1/", "/api/v1/projects/" + "9" * 5_000,
             "/static/../Package.swift", "/static/%2e%2e/%2e%2e/Package.swift", "/static/js/../../Package.swift",
             "/static/", "/static/js/", "/i18n/", "/i18n/.json", "/i18n/../en.json", "/i18n/en.json.json",
             "/i18n/" + "x" * 5_000 + ".json", "/projects/-1", "/projects/0", "/projects/99999999999999999999",
             "/projects/%ff", "/api/v1/leases/" + "0" * 32 + "/renew", "/api/v1/leases/" + "A" * 32,
             "/api/v1/reviews/%00/decision", "/" + "a/" * 3_000, "/%", "/%zz", "/\xff", "*", "http://x/healthz",
             "/api/v1/tasks/1/annotations/../../me", "/api/v1/inspections/-9223372036854775808"]
    for path in paths:
        method = "POST" if "renew" in path or "decision" in path else "GET"
        yield ctx.request(method, path, b"{}" if method == "POST" else b"", headers=auth, note="path")
        yield ctx.request("GET", path, headers=ctx.session_headers(), note="path signed in")
    for version in [b"HTTP/1.0", b"HTTP/0.9", b"HTTP/2.0", b"HTTP/1.1 extra", b"", b"HTTP/9.9"]:
        yield ctx.request("GET", b"/login " + version if version else b"/login", send_host=version != b"HTTP/1.0",
                          note="HTTP version")
    chunked = [("Transfer-Encoding", "chunked"), ("Content-Type", "application/json")] + auth
    for body in [b"2\r\n{}\r\n0\r\n\r\n", b"ffffffffffffffff\r\n{}\r\n0\r\n\r\n", b"-1\r\n{}\r\n0\r\n\r\n",
                 b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}\r\n", b"0\r\n\r\n"]:
        yield ctx.request("POST", "/api/v1/schemas/validate", body, headers=chunked, half_close=True, timeout=10.0,
                          note="chunked")
    for length in ["100", "-1", "99999999999999999999", "abc", "1, 2"]:
        yield ctx.request("POST", "/api/v1/schemas/validate", b"{}", content_length=False, half_close=True,
                          timeout=10.0, headers=[("Content-Length", length), ("Content-Type", "application/json")] + auth,
                          note="Content-Length")
    yield ctx.request("GET", "/api/v1/me", b'{"a":1}', headers=auth, note="body on GET")
    yield ctx.request("POST", "/api/v1/projects", b"{}", headers=auth + [("Expect", "100-continue")], note="Expect")
    yield ctx.request("GET", "/login", headers=[("X" * 10_000, "y")], note="huge header name")
    yield ctx.request("GET", "/login", headers=[(f"X-{i}", "y") for i in range(2_000)], note="many headers")


QUERY_TARGETS = [
    ("GET", "/api/v1/annotations", ["limit", "before", "project"]),
    ("GET", "/api/v1/projects/{p}/export", ["format", "aggregate"]),
    ("GET", "/api/v1/rework", ["project"]),
    ("POST", "/api/v1/projects/{p}/tasks", ["partial"]),
    ("POST", "/api/v1/projects/{p}/reviews/next", ["inspection"]),
    ("DELETE", "/api/v1/leases/" + "0" * 32, ["skip"]),
]
QUERY_VALUES = ["", "0", "1", "-1", "500", "501", "9223372036854775807", "9223372036854775808",
                "-9223372036854775808", "1e3", "0x10", " 5", "5 ", "%00", "%ff", "%", "+", "true", "false", "TRUE",
                "jsonl", "csv", "xml", "JSONL", "99999999999999999999999", "1.0", "NaN", "x" * 5_000, "\u00e9"]


def queries(ctx: Context):
    """Every query parameter the API reads, with extremes, junk encodings and repeats."""
    project = ctx.park.project_id
    for method, template, names in QUERY_TARGETS:
        path = template.replace("{p}", str(project))
        for name in names:
            for value in QUERY_VALUES:
                encoded = quote(value, safe="%+")
                body = b'{"text":"q"}\n' if path.endswith("/tasks") else b""
                content = [("Content-Type", "application/x-ndjson")] if body else []
                yield ctx.api(method, f"{path}?{name}={encoded}", body or None, content_type=None, headers=content,
                              note=f"query {name}")
            yield ctx.api(method, f"{path}?{name}=1&{name}=2&{name}", None, note=f"repeated {name}")
    while ctx.more():
        method, template, names = ctx.rng.choice(QUERY_TARGETS)
        path = template.replace("{p}", str(ctx.rng.choice([project, 0, -1, 9223372036854775807])))
        query = "&".join(f"{ctx.rng.choice(names)}={quote(ctx.rng.choice(QUERY_VALUES), safe='%+')}"
                         for _ in range(ctx.rng.randint(1, 4)))
        yield ctx.api(method, f"{path}?{query}", None, note="random query")
