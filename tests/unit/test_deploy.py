"""The deployment files: the manifest's security fields, the Dockerfile's pins and users, and
deploy/nginx.conf accepted by nginx itself (`nginx -t`, Debian's nginx) with TLS as deployed and
as the load test serves it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bench.serve import nginx_site

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _documents() -> list[dict]:
    return list(yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text()))


def _manifest() -> dict[str, dict]:
    """The lab's own documents by kind (the classroom's Redis has its own, `_redis`)."""
    return {d["kind"]: d for d in _documents() if d["metadata"]["name"].startswith("loss-")}


def _redis() -> dict[str, dict]:
    return {d["kind"]: d for d in _documents() if d["metadata"]["name"] == "lab-redis"}


def test_the_pod_runs_unprivileged_on_a_read_only_root_filesystem():
    pod = _manifest()["Deployment"]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    image, tag = container["image"].rsplit(":", 1)
    assert tag != "latest" and re.fullmatch(r"\d+\.\d+\.\d+|sha256:[0-9a-f]{64}", tag)
    # every writable place is an emptyDir of the pod: /tmp and the compile cache
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert "emptyDir" in mounts["/tmp"]
    cache_mount = next(path for path in mounts if env["LLL_JAX_CACHE"].startswith(path + "/"))
    assert "emptyDir" in mounts[cache_mount] and int(env["LLL_JAX_CACHE_MAX_MB"]) > 0
    assert env["LLL_JAX_CACHE_READONLY"] == "0"  # the image's default is its baked cache


def test_the_pods_share_a_redis_that_only_they_reach_and_that_keeps_nothing_on_disk():
    redis = _redis()
    (lab,) = _manifest()["Deployment"]["spec"]["template"]["spec"]["containers"]
    url = {e["name"]: e["value"] for e in lab["env"]}["REDIS_URL"]
    service = redis["Service"]
    port = service["spec"]["ports"][0]["port"]
    assert url == f"redis://{service['metadata']['name']}:{port}/0"
    pod = redis["Deployment"]["spec"]["template"]["spec"]
    assert service["spec"]["selector"] == redis["Deployment"]["spec"]["selector"]["matchLabels"]
    (container,) = pod["containers"]
    args = container["args"]
    assert args[args.index("--save") + 1] == "" and args[args.index("--appendonly") + 1] == "no"
    assert "--maxmemory" in args
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+", container["image"])
    policy = redis["NetworkPolicy"]
    assert policy["spec"]["podSelector"] == redis["Deployment"]["spec"]["selector"]
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    assert source["podSelector"]["matchLabels"] == {"app": "loss-landscape-lab"}


def test_the_ingress_serves_https_only_with_a_secure_sticky_cookie_and_per_ip_limits():
    ingress = _manifest()["Ingress"]
    notes = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    assert notes[prefix + "ssl-redirect"] == notes[prefix + "force-ssl-redirect"] == "true"
    assert notes[prefix + "session-cookie-secure"] == "true"
    assert int(notes[prefix + "limit-connections"]) >= 600  # a hall of 100+ behind one NAT
    assert int(notes[prefix + "limit-rps"]) * int(notes[prefix + "limit-burst-multiplier"]) >= 400
    headers = _manifest()["ConfigMap"]["data"]
    assert notes[prefix + "custom-headers"].endswith(
        "/" + _manifest()["ConfigMap"]["metadata"]["name"]
    )
    assert "frame-ancestors 'self' https://" in headers["Content-Security-Policy"]
    assert "max-age=" in headers["Strict-Transport-Security"]


def test_the_image_is_pinned_and_its_code_belongs_to_root():
    text = (DEPLOY / "Dockerfile").read_text()
    (base,) = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base)
    assert "--chown" not in text  # the code stays root's
    assert re.search(r"^USER 10001", text, re.MULTILINE)
    assert "install_plotly_js()" in text  # Plotly.js is in the image, nothing written later


def test_the_image_bakes_the_formula_programs_into_a_read_only_compile_cache():
    text = (DEPLOY / "Dockerfile").read_text()
    user_line = re.search(r"^USER ", text, re.MULTILINE).start()
    fill = re.search(r"^RUN LLL_JAX_CACHE=(\S+) python -m app_support.warm_up", text, re.MULTILINE)
    assert fill and fill.start() < user_line  # filled as root: the server cannot change it
    baked = fill.group(1)
    assert re.search(rf"chmod -R a\+rX,go-w {re.escape(str(Path(baked).parent))}\b", text)
    run_time = re.search(
        r"^ENV LLL_JAX_CACHE=(\S+) \\\n\s+LLL_JAX_CACHE_READONLY=1", text, re.MULTILINE
    )
    assert run_time and run_time.group(1) == baked and run_time.start() > fill.start()


def _nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess:
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    conf = str(tmp_path / "nginx.conf")
    return subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", conf], capture_output=True)


def test_nginx_accepts_the_site_with_tls_as_deployed(tmp_path):
    key, cert = tmp_path / "lab.key", tmp_path / "lab.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=lab.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text().replace("/etc/nginx/tls/", f"{tmp_path}/")
    assert "listen 443 ssl" in site and "return 301 https://" in site
    checked = _nginx_test(tmp_path, site)
    assert checked.returncode == 0, checked.stderr.decode()


def test_nginx_accepts_the_load_tests_plain_http_version(tmp_path):
    site = nginx_site(["http://127.0.0.1:8501", "http://127.0.0.1:8502"], 18080)
    assert "ssl_" not in site and "return 301" not in site
    assert "limit_req zone=lll_requests" in site and "Content-Security-Policy" in site
    checked = _nginx_test(tmp_path, site)
    assert checked.returncode == 0, checked.stderr.decode()


@pytest.mark.parametrize("header", ["Strict-Transport-Security", "Content-Security-Policy"])
def test_security_headers_are_sent_on_every_response(header):
    assert re.search(rf"add_header {header} .* always;", (DEPLOY / "nginx.conf").read_text())
