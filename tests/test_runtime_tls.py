"""Runtime: a TLS Redis with a private CA; clients connect with what ``ExternalRedis(tls_ca=...)`` publishes.

GIVEN a CA made here (openssl), a ``redis-server --port 0 --tls-port ...`` whose certificate it signed (one
with ``tls-auth-clients no``, one requiring a client certificate), WHEN a worker is wired with
``add_redis_url`` to an ``ExternalRedis`` with and without ``tls_ca`` and its volumes and variables are
laid out as the pod would see them, THEN the client blocks of docs/operations.md ("Managed Redis over
TLS"), redis-py and ioredis, connect with the CA and fail with a certificate error without it.
``-s`` prints the matrix.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from _doc_blocks import TLS, as_process, blocks, node, wired_container
from _support import require_redis_server, require_tool

from agentsmith import ExternalRedis, RedisTLS, SecretKeyRef, redis_url
from testkit.redis_runtime import LOOPBACK, free_port

pytestmark = pytest.mark.runtime

PYTHON_CHECK = '\nprint("OK", bus.set("tls:check", "1"), bus.get("tls:check"))\n'
NODE_CHECK = """
bus.on("error", (error) => { console.log("ERROR " + error.message); process.exit(1); });
bus.set("tls:check", "1").then(() => bus.get("tls:check")).then((value) => {
  console.log("OK " + value); process.exit(0);
});
"""


@dataclass(frozen=True)
class Pki:
    folder: Path

    def file(self, name: str) -> Path:
        return self.folder / name

    def pem(self, name: str) -> bytes:
        return self.file(name).read_bytes()


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA."""
    require_tool("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=agentsmith test CA",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=folder)  # fmt: skip
    for name, extension in (
        ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=folder)  # fmt: skip
        (folder / f"{name}.ext").write_text(extension + "\n", encoding="utf-8")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=folder)  # fmt: skip
    return Pki(folder)


@contextlib.contextmanager
def tls_redis(pki: Pki, workdir: Path, *, client_certificates: bool) -> Iterator[int]:
    """A redis-server serving TLS only on a free loopback port; yields the port."""
    server = require_redis_server("redis:7")
    port = free_port()
    command = [
        server, "--port", "0", "--tls-port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
        "--tls-cert-file", str(pki.file("server.crt")), "--tls-key-file", str(pki.file("server.key")),
        "--tls-ca-cert-file", str(pki.file("ca.crt")),
        "--tls-auth-clients", "yes" if client_certificates else "no",
    ]  # fmt: skip
    with (workdir / "redis.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        probe = redis.Redis(
            host=LOOPBACK, port=port, ssl=True, ssl_ca_certs=str(pki.file("ca.crt")),
            ssl_certfile=str(pki.file("client.crt")), ssl_keyfile=str(pki.file("client.key")), socket_timeout=5,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                if probe.ping():
                    break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((workdir / "redis.log").read_text(encoding="utf-8")) from None
                time.sleep(0.1)
        probe.close()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def published(port: int, tls: RedisTLS | None) -> tuple[dict[str, object], dict[str, object]]:
    """The worker's container and pod when wired to the TLS Redis on ``port`` (URL from a Secret)."""
    return wired_container(
        lambda chart: ExternalRedis(
            chart, "bus", url_secret=SecretKeyRef(name="managed-redis", key="redis-url"), host=LOOPBACK, port=port,
            tls=True, tls_ca=tls,
        )
    )  # fmt: skip


def run_client(client: str, env: dict[str, str]) -> str:
    """The docs' block for ``client`` run with ``env``; its last line ("OK ..." or the error)."""
    if client == "redis-py":
        code = blocks(TLS, "python")[1] + PYTHON_CHECK
        command = [sys.executable, "-c", code]
    else:
        code = blocks(TLS, "javascript")[0] + NODE_CHECK
        command = [node(), "-e", code]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    lines = (result.stdout + result.stderr).strip().splitlines()
    return lines[-1] if lines else f"exit {result.returncode}"


MATRIX: list[tuple[str, str, str, str]] = []


@pytest.fixture(scope="module", autouse=True)
def print_matrix() -> Iterator[None]:
    yield
    print("\nclient x CA (x client certificate): outcome")
    for row in MATRIX:
        print("  " + " | ".join(row))


@pytest.mark.parametrize("client", ["redis-py", "ioredis"])
def test_clients_connect_with_the_published_ca_and_fail_without_it(pki: Pki, tmp_path: Path, client: str) -> None:
    sources = {("managed-redis", "redis-url"): b"", ("redis-ca", "ca.crt"): pki.pem("ca.crt")}
    with tls_redis(pki, tmp_path, client_certificates=False) as port:
        sources[("managed-redis", "redis-url")] = redis_url(LOOPBACK, port, tls=True).encode()
        outcomes = {}
        for given, tls in (("CA given", RedisTLS.from_config_map("redis-ca")), ("CA missing", None)):
            container, pod = published(port, tls)
            env = as_process(container, pod, sources, tmp_path / given.replace(" ", "-"))
            assert ("REDIS_TLS_CA_FILE" in env) is (tls is not None)
            outcomes[given] = run_client(client, env)
            MATRIX.append((client, given, "-", outcomes[given]))
    assert outcomes["CA given"] == ("OK True b'1'" if client == "redis-py" else "OK 1")
    expected = "CERTIFICATE_VERIFY_FAILED" if client == "redis-py" else "self-signed certificate in certificate chain"
    assert expected in outcomes["CA missing"], outcomes


@pytest.mark.parametrize("client", ["redis-py", "ioredis"])
def test_a_client_certificate_from_client_secret_passes_mutual_tls(pki: Pki, tmp_path: Path, client: str) -> None:
    sources = {
        ("redis-ca", "ca.crt"): pki.pem("ca.crt"),
        ("worker-tls", "tls.crt"): pki.pem("client.crt"),
        ("worker-tls", "tls.key"): pki.pem("client.key"),
    }
    with tls_redis(pki, tmp_path, client_certificates=True) as port:
        sources[("managed-redis", "redis-url")] = redis_url(LOOPBACK, port, tls=True).encode()
        outcomes = {}
        for given, tls in (
            ("client certificate", RedisTLS.from_secret("redis-ca", client_secret="worker-tls")),
            ("no client certificate", RedisTLS.from_secret("redis-ca")),
        ):
            container, pod = published(port, tls)
            env = as_process(container, pod, sources, tmp_path / given.replace(" ", "-"))
            outcomes[given] = run_client(client, env)
            MATRIX.append((client, "CA given", given, outcomes[given]))
    assert outcomes["client certificate"].startswith("OK"), outcomes
    # the server's alert, or (redis-py, TLS 1.3: the handshake ends before the alert is read) the closed socket
    refused = outcomes["no client certificate"]
    assert "certificate required" in refused or "EOF occurred in violation of protocol" in refused, outcomes
