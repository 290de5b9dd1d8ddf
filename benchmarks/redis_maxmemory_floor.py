"""Measure what 'maxmemory' a real redis-server needs: the data behind MIN_MAXMEMORY.

    .venv/bin/python benchmarks/redis_maxmemory_floor.py

Starts redis-server (the one on PATH) with the seed's flags (``--save ""``,
``--maxmemory-policy allkeys-lru``) and a given ``--maxmemory``, opens N
redis-py clients that each send PING, then tries 50 XADDs of a 100-byte job
entry. Prints ``used_memory`` with the clients connected and how many writes
succeeded. Every server is stopped by its PID.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time

import redis

SIZES = ["1mb", "2mb", "4mb", "8mb", "16mb"]
CLIENTS = [0, 10, 50, 100, 200]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure(maxmemory: str, clients: int) -> tuple[int, int]:
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = subprocess.Popen(
            ["redis-server", "--save", "", "--maxmemory-policy", "allkeys-lru", "--maxmemory", maxmemory,
             "--bind", "127.0.0.1", "--port", str(port)],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            writer = redis.Redis(port=port)
            for _ in range(200):
                try:
                    writer.ping()
                    break
                except redis.exceptions.ConnectionError:
                    time.sleep(0.02)
            idle = [redis.Redis(port=port) for _ in range(clients)]
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
            server.terminate()
            server.wait(timeout=10)


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
