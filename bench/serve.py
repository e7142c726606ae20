"""Start and stop the servers that the browser tests, the benchmarks and the load test use.

Everything listens on 127.0.0.1 only, on free ports, and every process started here is stopped
by the context manager that started it, whatever happens inside.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NGINX_SITE = REPO / "deploy" / "nginx.conf"

# `server.address` 127.0.0.1 keeps the server off the network and stops Streamlit from looking
# up the machine's external address at start-up; no file watcher, no usage statistics.
STREAMLIT_FLAGS = (
    "--server.headless=true",
    "--server.address=127.0.0.1",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
    "--browser.gatherUsageStats=false",
    "--global.developmentMode=false",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (from /proc, Linux only)."""
    status = Path(f"/proc/{pid}/status").read_text()
    kib = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return kib / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far, its threads included (/proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` + ``/_stcore/health`` until it answers "ok" (Streamlit's readiness check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout:.0f} s")


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, its process and the file its output goes to."""

    url: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def streamlit_server(
    app: str = "app.py",
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Sequence[str] = (),
    timeout: float = 120.0,
) -> Iterator[Server]:
    """``streamlit run app`` from the repository root on a free localhost port, until exit.

    ``env`` adds environment variables (JAX reads its ``JAX_*`` options from there);
    ``flags`` adds Streamlit options. The server's output goes to ``log`` (a temporary file
    by default), which is worth reading when a test fails.
    """
    port = free_port()
    log = log or Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "streamlit", "run", app, f"--server.port={port}"]
    command += [*STREAMLIT_FLAGS, *flags]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_healthy(server.url, process, timeout)
        yield server
    finally:
        _stop(process)


@contextmanager
def streamlit_replicas(count: int, **kwargs) -> Iterator[list[Server]]:
    """``count`` independent Streamlit servers of the same app, each on its own port."""
    with ExitStack() as stack:
        yield [stack.enter_context(streamlit_server(**kwargs)) for _ in range(count)]


def nginx_site(upstream_urls: Sequence[str], port: int, site: Path = NGINX_SITE) -> str:
    """``deploy/nginx.conf`` with its upstream servers and its listen port replaced, served
    over plain HTTP on that port (its TLS lines and its port-80 redirect dropped).

    Everything else (stickiness, websocket upgrade, timeouts, limits, headers) is tested
    exactly as deployed.
    """
    text = site.read_text()
    text = re.sub(r"\n# Plain HTTP: only a redirect.*", "\n", text, flags=re.DOTALL)
    text = re.sub(r"^\s*ssl_\w+ .*\n", "", text, flags=re.MULTILINE)
    text = text.replace("listen 443 ssl http2;", "listen 443;")
    text = text.replace("Secure; ", "")  # a client keeps no Secure cookie over plain HTTP
    servers = "".join(f"    server {url.removeprefix('http://')};\n" for url in upstream_urls)
    text, n_upstreams = re.subn(
        r"(upstream streamlit_replicas \{\n(?:    (?!server ).*\n)*)(?:    server .*\n)+",
        lambda m: m.group(1) + servers,
        text,
    )
    text, n_listens = re.subn(r"listen \d+;", f"listen 127.0.0.1:{port};", text)
    if (n_upstreams, n_listens) != (1, 1):
        raise ValueError(f"{site}: expected one upstream block and one listen directive")
    return text


@dataclass(frozen=True)
class Proxy:
    """A running nginx: its base URL, and its access log (upstream address per request)."""

    url: str
    access_log: Path


@contextmanager
def nginx_proxy(upstream_urls: Sequence[str], timeout: float = 20.0) -> Iterator[Proxy]:
    """Debian's nginx in front of ``upstream_urls`` with the site config of ``deploy/``.

    The access log records ``$upstream_addr`` for every request, so a test can count which
    replica served each websocket session.
    """
    port = free_port()
    prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
    prefix.chmod(0o755)  # nginx's workers (user nobody when started as root) must enter it
    (prefix / "site.conf").write_text(nginx_site(upstream_urls, port))
    access_log = prefix / "access.log"
    (prefix / "nginx.conf").write_text(
        f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    log_format replicas '$request_method $uri $status upstream=$upstream_addr';
    access_log {access_log} replicas;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""
    )
    conf = str(prefix / "nginx.conf")
    check = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", conf], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected the configuration:\n{check.stderr}")
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", conf],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = Proxy(f"http://127.0.0.1:{port}", access_log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "nginx did not start:\n" + (prefix / "error.log").read_text()
                    ) from None
                time.sleep(0.1)
        yield proxy
    finally:
        # SIGTERM is nginx's fast stop: the master ends its workers, then itself.
        _stop(process)
        shutil.rmtree(prefix, ignore_errors=True)


@dataclass(frozen=True)
class Redis:
    """A running redis-server: its URL (``redis://127.0.0.1:port/0``), port and process."""

    url: str
    port: int
    process: subprocess.Popen


@contextmanager
def redis_server(port: int | None = None, timeout: float = 20.0) -> Iterator[Redis]:
    """Debian's redis-server on 127.0.0.1 (a free port unless given), nothing saved to disk
    (no RDB snapshot, no append-only file), until exit."""
    port = port or free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", tempfile.gettempdir()]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield Redis(f"redis://127.0.0.1:{port}/0", port, process)
    finally:
        _stop(process)


@dataclass(frozen=True)
class Deployment:
    """The lab as deployed: one server, or replicas behind nginx sharing one Redis."""

    url: str  # where students connect: nginx, or the single server
    servers: list[Server]
    proxy: Proxy | None
    redis: Redis | None


@contextmanager
def deployment(replicas: int = 1, app: str = "app.py", **kwargs) -> Iterator[Deployment]:
    """One Streamlit server (rooms in its memory), or ``replicas`` of them behind
    deploy/nginx.conf with a redis-server whose URL each gets as ``REDIS_URL``, so that a
    classroom room is shared by all of them (deploy/nginx-two-replicas.sh)."""
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server()) if replicas > 1 else None
        env = {**kwargs.pop("env", {}), **({"REDIS_URL": redis.url} if redis else {})}
        servers = [
            stack.enter_context(streamlit_server(app, env=env, **kwargs)) for _ in range(replicas)
        ]
        proxy = stack.enter_context(nginx_proxy([s.url for s in servers])) if replicas > 1 else None
        yield Deployment(proxy.url if proxy else servers[0].url, servers, proxy, redis)
