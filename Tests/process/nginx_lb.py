"""An nginx load balancer in front of several LabelPark instances, for process tests.

nginx runs as a child process (`daemon off`, `master_process off`: one process, so stopping it by its
pid leaves nothing behind) with its own configuration, pid file, logs and temp paths in a directory
the caller owns. Every response carries `X-Upstream: $upstream_addr`, the instances nginx tried, in
order, so a test can tell which instance produced a response.

nginx tells the instances who the client is with `X-Forwarded-For`, `X-Forwarded-Proto` and
`X-Forwarded-Host`, as docs/DEPLOYMENT.md's configuration does; start the instances with
`--trusted-proxy 127.0.0.1` so they believe it. With `https_port`, a second server block on that port
stands for a TLS-terminating proxy: plain HTTP on loopback, forwarded to the same instances with
`X-Forwarded-Proto: https`.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from lp_client import wait_until_healthy

NGINX_BINARY = "/usr/sbin/nginx"
UPSTREAM_NAME = "labelpark"


class NginxMissing(Exception):
    """Debian's nginx is not installed where the test expects it."""


def find_nginx() -> str:
    """The nginx executable; raises `NginxMissing` with the command that installs it."""
    if os.path.isfile(NGINX_BINARY) and os.access(NGINX_BINARY, os.X_OK):
        return NGINX_BINARY
    raise NginxMissing(
        f"{NGINX_BINARY} is missing: install Debian's nginx (apt-get install -y nginx-light) to run this test")


def render_location(forwarded_proto: str) -> str:
    """The `location /` block of a proxying server; `forwarded_proto` is what it sends as X-Forwarded-Proto."""
    return f"""        location / {{
            proxy_pass http://{UPSTREAM_NAME};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # `$http_host`, not `$host`: the tests' proxy listens on a port of its own, and `$host` drops the
            # port that the browser's Origin header carries, so the sign-in form's same-origin check would
            # refuse every post. (On 443, as in docs/DEPLOYMENT.md, `$host` is the same thing.)
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto {forwarded_proto};
            proxy_set_header X-Forwarded-Host $http_host;
            # A refused connect moves on to the next instance, for any method; a request that reached a
            # dying instance is retried only when idempotent (nginx's default), so clients retry POSTs
            # with their idempotency keys.
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
            proxy_send_timeout 30s;
            proxy_read_timeout 30s;
            proxy_request_buffering on;
            # Large exports stream through memory buffers instead of temp files.
            proxy_max_temp_file_size 0;
            add_header X-Upstream $upstream_addr always;
        }}"""


def render_config(prefix: Path, listen_port: int, upstream_ports: list[int], fail_timeout_seconds: int,
                  https_port: int | None = None) -> str:
    """The whole nginx.conf: one upstream group with keep-alive connections, one proxying server, and with
    `https_port` a second one that forwards as if it had terminated TLS."""
    https_server = "" if https_port is None else f"""
    # Stands for a TLS-terminating proxy: plain HTTP here, but the instances are told the client used HTTPS.
    server {{
        listen 127.0.0.1:{https_port};

{render_location("https")}
    }}
"""
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={fail_timeout_seconds}s;"
        for port in upstream_ports)
    # `master_process off` keeps nginx in one process of the caller's user (no `user` switch to nobody,
    # who could not write the temp paths in the caller's private directory).
    return f"""worker_processes 1;
master_process off;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    log_format upstreams '$msec $status $request_method $uri upstream=$upstream_addr '
                         'upstream_status=$upstream_status time=$request_time';
    access_log {prefix}/access.log upstreams;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 256m;
    keepalive_requests 100000;

    upstream {UPSTREAM_NAME} {{
{servers}
        keepalive 64;
    }}

    server {{
        listen 127.0.0.1:{listen_port};

{render_location("$scheme")}
    }}
{https_server}}}
"""


class NginxBalancer:
    """One nginx process balancing `upstream_ports` on a loopback port of its own."""

    def __init__(self, prefix: Path, listen_port: int, upstream_ports: list[int], fail_timeout_seconds: int = 1,
                 https_port: int | None = None):
        self.binary = find_nginx()
        self.prefix = prefix
        self.listen_port = listen_port
        self.upstream_ports = list(upstream_ports)
        self.config_path = prefix / "nginx.conf"
        self.log_path = prefix / "nginx.out"
        self.fail_timeout_seconds = fail_timeout_seconds
        self.https_port = https_port
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listen_port}"

    @property
    def https_base_url(self) -> str:
        """The server block that forwards as a TLS-terminating proxy would (plain HTTP on loopback)."""
        if self.https_port is None:
            raise ValueError("this balancer has no https_port")
        return f"http://127.0.0.1:{self.https_port}"

    def start(self, timeout: float) -> None:
        """Writes the configuration, checks it with `nginx -t`, starts nginx and waits until it proxies."""
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            render_config(self.prefix, self.listen_port, self.upstream_ports, self.fail_timeout_seconds,
                          self.https_port))
        command = [self.binary, "-p", f"{self.prefix}/", "-c", str(self.config_path), "-e", str(self.prefix / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=timeout)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t rejected {self.config_path}: {checked.stderr.strip()}")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            wait_until_healthy(self.base_url, timeout, is_alive=self.is_alive)
        except RuntimeError:
            raise RuntimeError(f"nginx exited with {self.process.returncode}: {self.log_tail()}") from None
        except TimeoutError:
            raise TimeoutError(
                f"nginx on port {self.listen_port} did not proxy /healthz within {timeout:.0f} s") from None

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGQUIT (graceful) and wait; SIGKILL when it lingers. The exit code, or None if it was killed."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGQUIT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log_tail(self, lines: int = 10) -> str:
        texts = []
        for path in (self.log_path, self.prefix / "error.log"):
            try:
                texts += path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                pass
        return "\n".join(f"    | {line}" for line in texts) or "(no nginx log)"


def last_upstream(x_upstream: str | None) -> str | None:
    """The instance that produced a response: the last address nginx tried (`a, b` after a retry,
    `a : b` across internal redirects), or None when nginx answered without reaching any."""
    if not x_upstream:
        return None
    last = x_upstream.replace(" : ", ", ").split(",")[-1].strip()
    return last or None
