"""Run a real ``redis-server`` the way the synthesised Redis container would run it.

The one runtime harness: every runtime test and benchmark that starts redis-server
(or an exporter or Prometheus beside it, :func:`background_process`) does so here;
the pod tier (``tests/_podman.py``) shares its ``$(VAR)`` expansion. The container has no ``command``, so the
``redis`` image's entrypoint runs ``redis-server <args>`` as ``runAsUser`` in an
empty working directory (``/data``). :func:`start_redis` does the same on the
host: the container's args unchanged, then only a loopback bind and a free port.
When the tests run as root, the server drops to the manifest's user with
``setpriv``. The server is always stopped by its PID (:meth:`RedisProcess.stop`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from testkit.manifests import the_container

LOOPBACK = "127.0.0.1"
#: A test-only admin user, appended after the container's args where a test
#: needs CONFIG GET, FLUSHALL or SHUTDOWN, which the command guard denies to the
#: default user. Another user: the default user's rules stay as synthesised.
TEST_ADMIN = ("agentsmith-test-admin", "test-admin-password")
TEST_ADMIN_ARGS = ("--user", TEST_ADMIN[0], "on", f">{TEST_ADMIN[1]}", "~*", "&*", "+@all")
#: Bounded waits, in seconds. A cold redis-server answers PING in about 20 ms.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.01
#: New port and new try when the free port was taken between lookup and bind.
START_ATTEMPTS = 3

_VERSION = re.compile(r"\bv=(\d+)\.(\d+)\.(\d+)")


class RedisStartError(RuntimeError):
    """redis-server exited or did not answer PING in time; the message holds its log."""


def parse_redis_args(args: Sequence[str]) -> dict[str, str]:
    """Redis command-line options as ``{name: value}``: ``["--save", ""]`` -> ``{"save": ""}``.

    Like redis-server, every ``--name`` starts an option and the arguments up to
    the next ``--name`` are its value, joined by spaces (``--save 3600 1``).
    """
    options: dict[str, list[str]] = {}
    name: str | None = None
    for arg in args:
        if arg.startswith("--"):
            name = arg[2:]
            options[name] = []
        elif name is None:
            raise ValueError(f"redis-server argument {arg!r} comes before any '--option'")
        else:
            options[name].append(arg)
    return {key: " ".join(values) for key, values in options.items()}


def redis_server_version(redis_server: str) -> tuple[int, int, int]:
    """``(7, 0, 15)`` from ``redis-server --version``."""
    output = subprocess.run([redis_server, "--version"], capture_output=True, text=True, check=True, timeout=10).stdout
    match = _VERSION.search(output)
    if match is None:
        raise ValueError(f"cannot read a version from 'redis-server --version': {output!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def free_port() -> int:
    """A TCP port on the loopback interface that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def run_as(uid: int, *, setpriv: str, no_new_privs: bool) -> list[str]:
    """Command prefix that runs the rest as ``uid`` (group ``uid``, no supplementary groups).

    ``no_new_privs`` mirrors ``allowPrivilegeEscalation: false``.
    """
    prefix = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    if no_new_privs:
        prefix.append("--no-new-privs")
    return prefix


def make_workdir(owner_uid: int | None) -> Path:
    """An empty directory only ``owner_uid`` (default: this process) may write, like the pod's ``/data``.

    It lives in the system temp directory, not under pytest's root-only ``tmp_path``,
    so that an unprivileged server can reach it by its absolute path too.
    """
    workdir = Path(tempfile.mkdtemp(prefix="agentsmith-redis-"))
    if owner_uid is not None:
        os.chown(workdir, owner_uid, owner_uid)
    workdir.chmod(0o700)
    return workdir


def client(
    port: int,
    *,
    decode_responses: bool = True,
    password: str | None = None,
    username: str | None = None,
    socket_timeout: float = 30,
) -> redis.Redis:
    """A redis-py client for the test server; the caller closes it.

    Retries are off so a dead server fails the test at once instead of after back-off.
    ``socket_timeout`` bounds every reply, including a blocking command's (``XREADGROUP BLOCK``).
    """
    return redis.Redis(
        host=LOOPBACK,
        port=port,
        decode_responses=decode_responses,
        password=password,
        username=username,
        socket_timeout=socket_timeout,
        socket_connect_timeout=5,
        retry=Retry(NoBackoff(), retries=0),
    )


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``condition`` every :data:`POLL_INTERVAL` s until true; ``TimeoutError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_INTERVAL)


@dataclass
class RedisProcess:
    """A running redis-server started by :func:`start_redis`."""

    process: subprocess.Popen[bytes]
    port: int
    workdir: Path
    log_path: Path
    #: Prefix that runs a command as the container user, e.g. the probes (``[]`` if not root).
    user_prefix: list[str]
    #: Who :meth:`client` logs in as (default: nobody, i.e. the default user).
    username: str | None = None
    password: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])

    def client(self, *, decode_responses: bool = True) -> redis.Redis:
        return client(self.port, decode_responses=decode_responses, username=self.username, password=self.password)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        """The exit code once the server has exited; ``subprocess.TimeoutExpired`` after ``timeout`` s."""
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM by PID, SIGKILL if still running after ``timeout`` s; returns the exit code.

        Safe to call twice: an exited (and reaped) process is not signalled again,
        so a recycled PID is never hit.
        """
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
        return self.process.wait(timeout=timeout)


@contextlib.contextmanager
def background_process(
    command: list[str], *, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (an exporter, Prometheus) with output in ``log``; TERM, then KILL, when the block ends."""
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=STOP_TIMEOUT)


def _answers_ping(port: int, password: str | None = None, username: str | None = None) -> bool:
    try:
        with client(port, password=password, username=username) as connection:
            return connection.ping() is True
    except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
        # ResponseError: LOADING, BUSY, or a login that may not PING: not ready for this caller.
        return False


def _server_pid(port: int, password: str | None = None, username: str | None = None) -> int:
    with client(port, password=password, username=username) as connection:
        return int(connection.info("server")["process_id"])


def start_redis(
    redis_server: str,
    container_args: Sequence[str],
    *,
    user_prefix: Sequence[str],
    workdir: Path,
    log_path: Path,
    timeout: float = START_TIMEOUT,
    password: str | None = None,
    username: str | None = None,
    pid_check: bool = True,
) -> RedisProcess:
    """Start ``redis-server <container_args> --bind 127.0.0.1 --port <free port>`` in ``workdir``.

    Returns once the server answers PING (polled, at most ``timeout`` s) and the
    process answering is the one started here (read with INFO; ``pid_check=False``
    for users that may not run INFO, then the port must have been free).
    ``username``/``password``: who logs in for those checks. Raises :class:`RedisStartError`
    with the server's log otherwise; the process is stopped before raising.
    """
    failures: list[str] = []
    for _ in range(START_ATTEMPTS):
        port = free_port()
        command = [
            *user_prefix,
            redis_server,
            *container_args,
            # The only additions, after the container's args so they win over any bind/port there:
            "--bind", LOOPBACK,  # loopback only: never reachable from outside this machine
            "--port", str(port),  # a free port instead of 6379, which may be in use
            # Nothing else is needed: without a config file redis-server stays in the
            # foreground (daemonize no), logs to stdout and keeps files in its working
            # directory (dir ./), exactly as in the container.
        ]  # fmt: skip
        with log_path.open("wb") as log:  # one attempt per log; failures keep their tails
            process = subprocess.Popen(
                command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        server = RedisProcess(process, port, workdir, log_path, list(user_prefix), username, password)
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None and time.monotonic() < deadline:
                if _answers_ping(port, password, username):
                    if not pid_check or _server_pid(port, password, username) == process.pid:
                        return server
                    break  # another process owns the port: try a new one
                time.sleep(POLL_INTERVAL)
        except BaseException:
            server.stop()  # never leave a server behind
            raise
        code = server.stop()
        failures.append(f"port {port}: exit code {code}\n{server.log_tail()}")
    raise RedisStartError(
        f"redis-server did not answer PING within {timeout} s ({START_ATTEMPTS} attempts):\n" + "\n".join(failures)
    )


# --------------------------------------------------------------------------- containers with Secrets (issue 13)

_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@contextlib.contextmanager
def serve_container(
    container: dict[str, Any],
    secrets: dict[tuple[str, str], str],
    redis_server: str,
    log_path: Path,
    *,
    prefix: Sequence[str] = (),
) -> Iterator[RedisProcess]:
    """The container's redis-server args (Secrets expanded) plus the test admin user, run as the container's
    ``runAsUser`` (through setpriv when this process is root) after ``prefix``; stopped and cleaned up at the end."""
    with run_container(
        container,
        secrets,
        log_path=log_path,
        redis_server=redis_server,
        username=TEST_ADMIN[0],
        password=TEST_ADMIN[1],
        extra_args=TEST_ADMIN_ARGS,
        prefix=prefix,
    ) as (server, _):
        yield server


def k8s_expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: known variables replaced, ``$$`` escapes, unknown kept."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        return env.get(match[1], match[0])

    return _REFERENCE.sub(replace, text)


def container_env(container: dict[str, Any], secrets: dict[tuple[str, str], str]) -> dict[str, str]:
    """The container's environment as the kubelet builds it; ``secrets`` maps (Secret, key) to a value.

    A ``secretKeyRef`` to a key missing from ``secrets`` raises ``KeyError``, as the
    kubelet refuses to start such a container.
    """
    env: dict[str, str] = {}
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = secrets[(ref["name"], ref["key"])]
        else:
            env[variable["name"]] = k8s_expand(variable["value"], env)
    return env


def container_args(container: dict[str, Any], env: dict[str, str]) -> list[str]:
    """The container's args after ``$(VAR)`` expansion with ``env``."""
    return [k8s_expand(arg, env) for arg in container["args"]]


def point_probe(command: Sequence[str], port: int) -> list[str]:
    """A probe command aimed at ``port`` on loopback: ``-p <port>`` after ``redis-cli``.

    Handles the seed's ``redis-cli ping`` and the ``sh -c '[ "$(redis-cli ...)" = PONG ]'`` form.
    """
    if command[0] == "redis-cli":
        assert "-p" not in command, command
        return [command[0], "-h", LOOPBACK, "-p", str(port), *command[1:]]
    assert list(command[:2]) == ["sh", "-c"] and len(command) == 3, command
    script = command[2]
    assert script.count("$(redis-cli ") == 1 and " -p " not in script, script
    return ["sh", "-c", script.replace("$(redis-cli ", f"$(redis-cli -h {LOOPBACK} -p {port} ", 1)]


def run_probe(command: Sequence[str], port: int, env: dict[str, str], *, user_prefix: Sequence[str] = ()) -> int:
    """Run a probe command against ``port`` with exactly ``env`` (plus PATH); its exit code."""
    result = subprocess.run(
        [*user_prefix, *point_probe(command, port)],
        capture_output=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], **env},
        check=False,
    )
    return result.returncode


def _encode(argv: Sequence[str]) -> bytes:
    parts = [f"*{len(argv)}\r\n".encode()]
    for arg in argv:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _first_line(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    return data[:-2].decode(errors="replace")


def raw_command(
    port: int, argv: Sequence[str], *, user: str | None = None, password: str | None = None, timeout: float = 10
) -> str:
    """Send ``argv`` on a new connection (after ``AUTH`` when ``password``) and return the reply's first line.

    ``"+PONG"``, ``"*2"``, ``"-NOPERM this user has no permissions ..."``: an error starts with ``-``.
    One connection per command, so MONITOR, SUBSCRIBE or HELLO never affect the next one.
    """
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        if password is not None:
            sock.sendall(_encode(["AUTH", *([user] if user else []), password]))
            reply = _first_line(sock)
            if reply != "+OK":
                return reply
        sock.sendall(_encode(argv))
        return _first_line(sock)


#: Error replies that mean "refused": ACL, authentication, a long command from a
#: client that has not logged in (Redis closes the connection), a command disabled by config.
REFUSALS = ("-NOPERM", "-NOAUTH", "-WRONGPASS", "-ERR Protocol error: unauthenticated")
_DISABLED = re.compile(r"^-ERR \S+ command not allowed")
#: A command or subcommand this redis-server does not have (CLIENT SETINFO before 7.2).
_UNKNOWN = re.compile(r"^-ERR unknown (sub)?command", re.IGNORECASE)


def refused(reply: str) -> bool:
    """True when a reply refuses the command (see :data:`REFUSALS`), or config disabled the command."""
    return reply.startswith(REFUSALS) or bool(_DISABLED.match(reply))


def unknown(reply: str) -> bool:
    """True when this redis-server does not know the command (neither allowed nor refused)."""
    return bool(_UNKNOWN.match(reply))


@contextlib.contextmanager
def run_container(
    container: dict[str, Any],
    secrets: dict[tuple[str, str], str],
    *,
    log_path: Path,
    redis_server: str,
    username: str | None = None,
    password: str | None = None,
    extra_args: Sequence[str] = (),
    prefix: Sequence[str] = (),
) -> Iterator[tuple[RedisProcess, dict[str, str]]]:
    """Run a synthesised container's args (env from ``secrets``), then ``extra_args``, as its ``runAsUser``
    (through setpriv when this process is root) after ``prefix``; yield (server, env).

    ``username``/``password`` log in for the start-up check (default: no login).
    """
    uid = container["securityContext"]["runAsUser"]
    as_user = run_as(uid, setpriv=shutil.which("setpriv") or "setpriv", no_new_privs=True) if os.geteuid() == 0 else []
    env = container_env(container, secrets)
    workdir = make_workdir(uid if as_user else None)
    try:
        server = start_redis(
            redis_server,
            [*container_args(container, env), *extra_args],
            user_prefix=[*prefix, *as_user],
            workdir=workdir,
            log_path=log_path,
            password=password,
            username=username,
        )
        try:
            yield server, env
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def synth_container(**props: Any) -> dict[str, Any]:
    """The redis container of ``EphemeralRedis(chart, "redis", **props)`` in namespace agentsmith."""
    import cdk8s

    from agentsmith import EphemeralRedis
    from testkit.project import in_memory_app

    chart = cdk8s.Chart(in_memory_app(), "runtime", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", **props)
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    container = the_container(deployment)
    return dict(container)
