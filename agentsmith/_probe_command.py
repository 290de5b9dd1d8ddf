"""The probes' commands: readiness passes only on ``PONG``; liveness restarts only a Redis that does not answer.

``redis-cli ping`` exits 0 on every reply, errors included: on ``ERR max
number of clients reached`` (the connection limit is full), ``NOAUTH``,
``WRONGPASS``, ``NOPERM``, ``BUSY`` and ``LOADING``. So:

* readiness: only the reply ``PONG`` counts (``sh -c '[ "$(redis-cli ping)" =
  PONG ]'``). A Redis that refuses every new client is not Ready;
* liveness: Redis is alive when it answers. With no password that is the seed's
  own ``redis-cli ping`` (any reply passes; no reply, a refused connection or
  the kubelet's timeout fail). With a password, ``PONG`` or the refusal
  ``max number of clients reached`` pass: Redis sends that refusal itself, so
  it is alive, and restarting it would drop every in-flight job to clear a
  flood of connections that comes back anyway. A wrong password still fails
  (a restart loop shows the misconfiguration, as before).

Redis has no connection reserved for the probe (Redis 7 counts every
connection, loopback and Unix socket alike, against ``maxclients``); the
refusal is the reply the probe reads instead.
"""

from __future__ import annotations

import shlex
from typing import Final

__all__ = ["MAXCLIENTS_REFUSAL", "liveness", "readiness"]

#: What Redis answers (and redis-cli prints, after ``AUTH failed:`` when it logs in) once ``maxclients`` is full.
MAXCLIENTS_REFUSAL: Final = "max number of clients reached"


def readiness(cli: list[str], *, seed: bool) -> list[str]:
    """``cli`` (``redis-cli [...] ping``) as is when ``seed``, else passing only on ``PONG``."""
    if seed:
        return cli
    return ["sh", "-c", f'[ "$({shlex.join(cli)})" = PONG ]']


def liveness(cli: list[str], *, password: bool) -> list[str]:
    """``cli`` as is without a password (any reply is alive), else ``PONG`` or the maxclients refusal."""
    if not password:
        return cli
    return [
        "sh",
        "-c",
        f'case "$({shlex.join(cli)} 2>&1)" in PONG|*"{MAXCLIENTS_REFUSAL}"*) exit 0;; esac; exit 1',
    ]
