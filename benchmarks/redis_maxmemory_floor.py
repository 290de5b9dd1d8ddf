"""Measure what 'maxmemory' a real redis-server needs: the data behind MIN_MAXMEMORY.

    .venv/bin/python benchmarks/redis_maxmemory_floor.py

Starts redis-server (the one on PATH) with the seed's flags (``--save ""``,
``--maxmemory-policy allkeys-lru``) and a given ``--maxmemory``, opens N
redis-py clients that each send PING, then tries 50 XADDs of a 100-byte job
entry. Prints ``used_memory`` with the clients connected and how many writes
succeeded. Every server is started and stopped (by its PID) by testkit/redis_runtime.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: testkit

import redis

from testkit.redis_runtime import start_redis

SIZES = ["1mb", "2mb", "4mb", "8mb", "16mb"]
CLIENTS = [0, 10, 50, 100, 200]


def measure(maxmemory: str, clients: int) -> tuple[int, int]:
    redis_server = shutil.which("redis-server") or "redis-server"
    with tempfile.TemporaryDirectory() as workdir:
        server = start_redis(
            redis_server,
            ["--save", "", "--maxmemory-policy", "allkeys-lru", "--maxmemory", maxmemory],
            user_prefix=[],
            workdir=Path(workdir),
            log_path=Path(workdir) / "redis.log",
        )
        try:
            writer = server.client(decode_responses=False)
            idle = [server.client() for _ in range(clients)]
            for connection in idle:
                connection.ping()
            used = int(writer.info("memory")["used_memory"])
            succeeded = 0
            for _ in range(50):
                try:
                    writer.xadd("jobs", {"payload": "x" * 100})
                    succeeded += 1
                except redis.exceptions.OutOfMemoryError:
                    pass
            for connection in idle:
                connection.close()
            return used, succeeded
        finally:
            server.stop()


def main() -> int:
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    print(version)
    print(f"{'maxmemory':>10} {'clients':>8} {'used_memory':>12} {'writes ok':>10}")
    for size in SIZES:
        for clients in CLIENTS:
            used, succeeded = measure(size, clients)
            print(f"{size:>10} {clients:>8} {used:>12} {succeeded:>8}/50")
    return 0


if __name__ == "__main__":
    sys.exit(main())
