#!/usr/bin/env python3
"""Proxy test: a release server behind Debian's nginx believes X-Forwarded-For/Proto/Host from the proxy
it trusts (`serve --trusted-proxy 127.0.0.1`) and from nobody else.

One server P (SQLite) runs with `--trusted-proxy 127.0.0.1 --metrics-port M` behind nginx
(`nginx_lb.py`, the configuration of docs/DEPLOYMENT.md), which has two server blocks: a plain one
(`X-Forwarded-Proto $scheme`) and one that stands for TLS termination (`X-Forwarded-Proto https`). A
second server D runs without `--trusted-proxy`. Checked:

- a headless Chromium signs in through nginx, lands on the home page signed in (its scripts load the
  projects through the proxy) and signs out again;
- a sign-in through the "TLS" block gets a `Secure` session cookie and `Strict-Transport-Security` on
  every response; through the plain block neither, even when the client itself sends
  `X-Forwarded-Proto: https` (nginx overwrites it);
- D ignores spoofed `X-Forwarded-Proto`, `-For` and `-Host` (no `Secure`, no HSTS, the Origin check uses
  the real Host, the failed-sign-in limit counts the socket's address whatever `X-Forwarded-For` says),
  while P, which trusts its loopback peer, honours them;
- the sign-in limiter keys on the client nginx forwards: six wrong passwords for one account, the sixth
  is 429; thirty failures from one client address (127.0.0.3, connecting to nginx from that loopback
  address) make its next attempt 429, also when it sends a made-up `X-Forwarded-For`, while another
  client (127.0.0.4) behind the same proxy still gets 401; a sign-in post whose Origin is
  `http://evil.example` is refused with 403;
- `/metrics` is 404 through nginx and on the public port, 200 Prometheus text on `--metrics-port`.

One server stands behind nginx here: the limiter counts per instance (SignInLimiter.swift), so behind a
balancer of N instances one account gets up to 5 × N tries, and "the sixth is 429" would depend on
nginx's round robin.

    python3 Tests/process/proxy_test.py [--binary .build/release/labelpark] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from lp_client import ParkClient, TransportFailure, free_local_port  # noqa: E402
from lp_server import Deadline, ProcessFailure, ServerProcess, create_account  # noqa: E402
from nginx_lb import NginxBalancer, NginxMissing  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
PASSWORD = "proxy-test-password"
ORGANIZATION = "Proxy Test Client"
PROJECT_NAME = "Behind the proxy"
SETUP_BUDGET_SECONDS = 60.0
HSTS = "max-age=31536000"
SESSION_COOKIE = "lp_session"
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30
SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": ["a", "b"]}],
}


class TestFailure(ProcessFailure):
    """The test could not go on."""


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def cookies(self) -> list[str]:
        return [value for key, value in self.headers if key.lower() == "set-cookie"]

    def session_cookie(self) -> str | None:
        return next((cookie for cookie in self.cookies() if cookie.startswith(SESSION_COOKIE + "=")), None)


def call(base_url: str, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
         source: str | None = None, timeout: float = 10.0) -> Answer:
    """One request on a fresh connection (from loopback address `source`, when given); no redirects followed."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        raw = connection.getresponse()
        return Answer(raw.status, raw.getheaders(), raw.read())
    except (OSError, http.client.HTTPException) as error:
        raise TransportFailure(f"{method} {base_url}{path}: {type(error).__name__}: {error}") from error
    finally:
        connection.close()


def sign_in_post(base_url: str, email: str, password: str, *, origin: str | None = "same",
                 headers: dict[str, str] | None = None, source: str | None = None) -> Answer:
    """POST /login as the form sends it; `origin="same"` sends the Origin a browser on `base_url` would."""
    form = urllib.parse.urlencode({"email": email, "password": password, "next": "/"}).encode()
    sent = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin == "same":
        sent["Origin"] = base_url
    elif origin is not None:
        sent["Origin"] = origin
    sent.update(headers or {})
    return call(base_url, "POST", "/login", body=form, headers=sent, source=source)


@dataclass
class Outcome:
    violations: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str, seen: str = "") -> bool:
        if condition:
            self.passed.append(what)
        else:
            self.violations.append(f"{what}{f' — seen: {seen}' if seen else ''}")
        return condition


def describe(answer: Answer) -> str:
    return (f"{answer.status}, Set-Cookie={answer.cookies()}, Strict-Transport-Security="
            f"{answer.header('strict-transport-security')!r}, Location={answer.header('location')!r}")


def has_secure(cookie: str | None) -> bool:
    return cookie is not None and any(part.strip().lower() == "secure" for part in cookie.split(";"))


# MARK: - checks


def check_browser(outcome: Outcome, nginx: NginxBalancer, email: str, work_dir: Path) -> None:
    """A real Chromium signs in through the plain block, sees the home page signed in, signs out."""
    from browser import Browser, wait_until  # selenium: imported only here so a missing one names this check
    from selenium.webdriver.common.by import By

    browser = Browser(work_dir / "chromium-profile", work_dir / "chromedriver.log")
    try:
        browser.open(nginx.base_url, "/login")
        browser.wait_for("#login-form")
        browser.type_into("#email", email)
        browser.type_into("#password", PASSWORD)
        browser.click("#sign-in")
        wait_until(lambda: browser.path() == "/", 10, "the browser to land on / after signing in through nginx",
                   describe=lambda: f"{browser.path()} error={browser.text_of('#login-error')!r} "
                                    f"body={browser.body_text()[:200]!r}")
        user_name = browser.text_of("#user-name")
        outcome.expect(bool(user_name and user_name.strip()), "browser: the home page shows the signed-in user",
                       repr(user_name))
        # The page's scripts fetch the projects from API v1 with the session cookie, through nginx.
        card = wait_until(
            lambda: [e for e in browser.find_all("[data-testid=project-card]") if PROJECT_NAME in e.text],
            10, f"the home page to list {PROJECT_NAME!r}",
            describe=lambda: f"status={browser.text_of('#home-status')!r}")
        outcome.expect(bool(card), "browser: the home page lists the project through the proxy")
        cookie = browser.driver.get_cookie(SESSION_COOKIE)
        outcome.expect(cookie is not None and cookie.get("httpOnly") and not cookie.get("secure"),
                       "browser: the session cookie is HttpOnly and not Secure over plain HTTP", repr(cookie))
        errors = browser.console_errors()
        outcome.expect(not errors, "browser: no console errors (CSP, failed requests) on the home page",
                       "; ".join(errors[:3]))
        browser.driver.find_element(By.CSS_SELECTOR, "#sign-out button").click()
        wait_until(lambda: browser.path().startswith("/login"), 10, "the sign-out through nginx to reach /login",
                   describe=lambda: f"{browser.path()} body={browser.body_text()[:200]!r}")
        outcome.expect(browser.driver.get_cookie(SESSION_COOKIE) is None,
                       "browser: signing out through nginx clears the session cookie",
                       repr(browser.driver.get_cookie(SESSION_COOKIE)))
    except Exception:
        browser.screenshot(work_dir / "browser-failure.png")
        browser.save_page(work_dir / "browser-failure.html")
        raise
    finally:
        browser.quit()


def check_forwarded_proto(outcome: Outcome, nginx: NginxBalancer, email: str) -> None:
    """The "TLS" block: Secure cookie and HSTS; the plain block: neither, whatever the client claims."""
    tls = nginx.https_base_url
    answer = sign_in_post(tls, email, PASSWORD, origin=tls.replace("http://", "https://"))
    outcome.expect(answer.status == 303 and has_secure(answer.session_cookie()),
                   "TLS block: sign-in answers 303 with a Secure session cookie", describe(answer))
    outcome.expect(answer.header("strict-transport-security") == HSTS,
                   "TLS block: the sign-in response carries Strict-Transport-Security", describe(answer))
    for path in ("/login", "/healthz", "/static/css/app.css", "/api/v1/me", "/no-such-page"):
        got = call(tls, "GET", path)
        outcome.expect(got.header("strict-transport-security") == HSTS,
                       f"TLS block: GET {path} ({got.status}) carries Strict-Transport-Security",
                       repr(got.header("strict-transport-security")))

    plain = nginx.base_url
    answer = sign_in_post(plain, email, PASSWORD)
    outcome.expect(answer.status == 303 and answer.session_cookie() is not None
                   and not has_secure(answer.session_cookie())
                   and answer.header("strict-transport-security") is None,
                   "plain block: sign-in answers 303 with a session cookie without Secure, no HSTS", describe(answer))
    got = call(plain, "GET", "/login")
    outcome.expect(got.status == 200 and got.header("strict-transport-security") is None,
                   "plain block: GET /login has no Strict-Transport-Security", describe(got))
    answer = sign_in_post(plain, email, PASSWORD, headers={"X-Forwarded-Proto": "https"})
    outcome.expect(answer.status == 303 and not has_secure(answer.session_cookie())
                   and answer.header("strict-transport-security") is None,
                   "plain block: a client's own X-Forwarded-Proto: https is overwritten by nginx (no Secure, no HSTS)",
                   describe(answer))


def check_untrusted_peer(outcome: Outcome, direct: ServerProcess, trusting: ServerProcess, direct_email: str,
                         email: str) -> None:
    """D (no --trusted-proxy) ignores every X-Forwarded-* header; P believes its loopback peer."""
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5", "X-Forwarded-Host": "evil.example"}
    answer = sign_in_post(direct.base_url, direct_email, PASSWORD, headers=spoofed)
    outcome.expect(answer.status == 303 and answer.session_cookie() is not None
                   and not has_secure(answer.session_cookie()),
                   "untrusted peer: spoofed X-Forwarded-Proto: https gives no Secure cookie "
                   "(and the spoofed X-Forwarded-Host does not fail the Origin check)", describe(answer))
    outcome.expect(answer.header("strict-transport-security") is None,
                   "untrusted peer: spoofed X-Forwarded-Proto: https gives no Strict-Transport-Security",
                   describe(answer))
    got = call(direct.base_url, "GET", "/healthz", headers=spoofed)
    outcome.expect(got.header("strict-transport-security") is None,
                   "untrusted peer: GET /healthz with spoofed headers has no Strict-Transport-Security", describe(got))
    answer = sign_in_post(direct.base_url, direct_email, PASSWORD, origin="http://evil.example",
                          headers={"X-Forwarded-Host": "evil.example"})
    outcome.expect(answer.status == 403 and answer.session_cookie() is None,
                   "untrusted peer: Origin http://evil.example with a spoofed X-Forwarded-Host: evil.example is 403",
                   describe(answer))

    # Thirty failures, each claiming another client address, all count against the socket's 127.0.0.1.
    statuses = []
    for attempt in range(ADDRESS_LIMIT + 1):
        account = f"nobody{attempt // ACCOUNT_LIMIT}@direct.test"
        statuses.append(sign_in_post(direct.base_url, account, "wrong-password",
                                     headers={"X-Forwarded-For": f"198.51.100.{attempt + 1}"}).status)
    outcome.expect(statuses[:ADDRESS_LIMIT] == [401] * ADDRESS_LIMIT and statuses[ADDRESS_LIMIT] == 429,
                   f"untrusted peer: a spoofed X-Forwarded-For is ignored by the limiter ({ADDRESS_LIMIT} failures "
                   f"under {ADDRESS_LIMIT} made-up addresses, then 429)", str(statuses))

    # The control: P trusts 127.0.0.1, so the same spoofed proto from loopback is believed.
    answer = sign_in_post(trusting.base_url, email, PASSWORD, headers={"X-Forwarded-Proto": "https"})
    outcome.expect(answer.status == 303 and has_secure(answer.session_cookie())
                   and answer.header("strict-transport-security") == HSTS,
                   "trusted peer (control): X-Forwarded-Proto: https from 127.0.0.1 gives Secure and HSTS",
                   describe(answer))


def check_limiter(outcome: Outcome, nginx: NginxBalancer, victim_email: str) -> None:
    """Through nginx the limiter counts the client nginx forwards, not nginx's own address."""
    base = nginx.base_url
    answers = [sign_in_post(base, victim_email, "wrong-password", source="127.0.0.2")
               for _ in range(ACCOUNT_LIMIT + 1)]
    statuses = [answer.status for answer in answers]
    outcome.expect(statuses == [401] * ACCOUNT_LIMIT + [429],
                   f"limiter: {ACCOUNT_LIMIT + 1} wrong passwords for one account through nginx, the last is 429",
                   str(statuses))
    retry_after = answers[-1].header("retry-after")
    outcome.expect(retry_after is not None and retry_after.isdigit() and 1 <= int(retry_after) <= 900,
                   "limiter: the 429 says Retry-After", repr(retry_after))
    right = sign_in_post(base, victim_email, PASSWORD, source="127.0.0.4")
    outcome.expect(right.status == 429 and right.session_cookie() is None,
                   "limiter: the right password from another client is refused while the account is locked",
                   describe(right))

    statuses = []
    for attempt in range(ADDRESS_LIMIT):
        statuses.append(sign_in_post(base, f"nobody{attempt // ACCOUNT_LIMIT}@proxy.test", "wrong-password",
                                     source="127.0.0.3").status)
    blocked = sign_in_post(base, "someone-else@proxy.test", "wrong-password", source="127.0.0.3")
    outcome.expect(statuses == [401] * ADDRESS_LIMIT and blocked.status == 429,
                   f"limiter: {ADDRESS_LIMIT} failures from client 127.0.0.3 through nginx, then its next attempt "
                   f"is 429", f"{statuses} then {blocked.status}")
    spoofing = sign_in_post(base, "someone-else@proxy.test", "wrong-password", source="127.0.0.3",
                            headers={"X-Forwarded-For": "198.51.100.77"})
    outcome.expect(spoofing.status == 429,
                   "limiter: client 127.0.0.3 cannot escape with its own X-Forwarded-For (nginx appends the real "
                   "address, the server reads from the right)", describe(spoofing))
    other = sign_in_post(base, "someone-else@proxy.test", "wrong-password", source="127.0.0.4")
    outcome.expect(other.status == 401,
                   "limiter: another client (127.0.0.4) behind the same proxy is not blocked", describe(other))

    evil = sign_in_post(base, victim_email, PASSWORD, origin="http://evil.example")
    outcome.expect(evil.status == 403 and evil.session_cookie() is None,
                   "same-origin: a sign-in post with Origin http://evil.example through nginx is 403", describe(evil))
    evil = sign_in_post(base, victim_email, PASSWORD, origin="http://evil.example",
                        headers={"X-Forwarded-Host": "evil.example"})
    outcome.expect(evil.status == 403,
                   "same-origin: a client's own X-Forwarded-Host: evil.example does not pass through nginx",
                   describe(evil))


def check_metrics(outcome: Outcome, nginx: NginxBalancer, server: ServerProcess, metrics_port: int) -> None:
    got = call(nginx.base_url, "GET", "/metrics")
    outcome.expect(got.status == 404, "metrics: GET /metrics through nginx is 404", describe(got))
    got = call(server.base_url, "GET", "/metrics")
    outcome.expect(got.status == 404, "metrics: GET /metrics on the public port is 404", describe(got))
    got = call(f"http://127.0.0.1:{metrics_port}", "GET", "/metrics")
    text = got.body.decode("utf-8", errors="replace")
    outcome.expect(got.status == 200 and (got.header("content-type") or "").startswith("text/plain")
                   and "# TYPE " in text,
                   "metrics: GET /metrics on --metrics-port is 200 Prometheus text",
                   f"{got.status} {got.header('content-type')!r} {text[:200]!r}")
    got = call(f"http://127.0.0.1:{metrics_port}", "GET", "/healthz")
    outcome.expect(got.status == 200, "metrics: the metrics port answers /healthz", describe(got))


# MARK: - run


def run(args: argparse.Namespace) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-proxy-"))
    servers: list[ServerProcess] = []
    nginx: NginxBalancer | None = None
    print(f"  work directory {work_dir}", flush=True)
    try:
        setup = Deadline(SETUP_BUDGET_SECONDS, "set-up")
        metrics_port = free_local_port()
        trusting = ServerProcess(
            args.binary, data_dir=work_dir / "data-P", log_path=work_dir / "server-P.log",
            extra_args=["--trusted-proxy", "127.0.0.1", "--metrics-port", str(metrics_port)],
            description="server P (--trusted-proxy 127.0.0.1)")
        direct = ServerProcess(args.binary, data_dir=work_dir / "data-D", log_path=work_dir / "server-D.log",
                               description="server D (no --trusted-proxy)")
        servers += [trusting, direct]
        trusting.launch()
        direct.launch()
        trusting.wait_healthy(setup.cap(30.0))
        direct.wait_healthy(setup.cap(30.0))
        nginx = NginxBalancer(work_dir / "nginx", free_local_port(), [trusting.port], https_port=free_local_port())
        nginx.start(setup.cap(10.0))

        def account(email: str, role: str, data_dir: Path):
            return create_account(args.binary, email, role, setup, password=PASSWORD, organization=ORGANIZATION,
                                  data_dir=data_dir, bcrypt_cost=4)

        manager = account("manager@proxy.test", "manager", trusting.data_dir)
        victim = account("victim@proxy.test", "annotator", trusting.data_dir)
        direct_user = account("direct@proxy.test", "manager", direct.data_dir)
        admin = ParkClient(nginx.base_url, manager.token)
        admin.post_json("/api/v1/projects", {"name": PROJECT_NAME, "schema": SCHEMA, "overlap": 1},
                        expect=(201,))
        admin.close()
        outcome.timings.append(f"set-up {time.monotonic() - started:.1f} s (P :{trusting.port} metrics "
                               f":{metrics_port}, D :{direct.port}, nginx :{nginx.listen_port} and "
                               f":{nginx.https_port})")

        for name, check in (
            ("browser", lambda: check_browser(outcome, nginx, manager.email, work_dir)),
            ("forwarded proto", lambda: check_forwarded_proto(outcome, nginx, manager.email)),
            ("untrusted peer", lambda: check_untrusted_peer(outcome, direct, trusting, direct_user.email,
                                                            manager.email)),
            ("limiter", lambda: check_limiter(outcome, nginx, victim.email)),
            ("metrics", lambda: check_metrics(outcome, nginx, trusting, metrics_port)),
        ):
            began = time.monotonic()
            try:
                check()
            except NginxMissing:
                raise
            except Exception as error:  # one broken check must not hide the others' findings
                outcome.violations.append(f"{name}: {type(error).__name__}: {error}")
            outcome.timings.append(f"{name} {time.monotonic() - began:.1f} s")
        for server in servers:
            if server.exit_report():
                outcome.violations.append(server.exit_report())
        if not nginx.is_alive():
            outcome.violations.append(f"nginx exited during the test\n{nginx.log_tail()}")
    except (ProcessFailure, TransportFailure, NginxMissing) as error:
        outcome.violations.append(str(error))
    except Exception as error:
        outcome.violations.append(f"{type(error).__name__}: {error}")
    finally:
        for server in servers:
            if server.terminate(10.0) is None and server.process is not None:
                outcome.violations.append(f"{server.description} did not exit within 10 s of SIGTERM")
        if nginx is not None:
            nginx.stop()
        if args.keep or outcome.violations:
            print(f"  logs kept in {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    outcome.timings.append(f"total {time.monotonic() - started:.1f} s")
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(REPOSITORY / ".build/release/labelpark"), help="the labelpark executable")
    parser.add_argument("--keep", action="store_true", help="keep the data directories, logs and nginx configuration")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    # A CI timeout sends SIGTERM: unwind through `finally` so no server, nginx or browser outlives the test.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"proxy test: binary={args.binary}", flush=True)
    outcome = run(args)
    for line in outcome.timings:
        print(f"  {line}", flush=True)
    for violation in outcome.violations:
        print(f"  violation: {violation}", flush=True)
    if outcome.violations:
        print(f"proxy: FAIL {len(outcome.violations)} violations, {len(outcome.passed)} checks passed", flush=True)
        return 1
    print(f"proxy: PASS {len(outcome.passed)} checks ({outcome.timings[-1]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
