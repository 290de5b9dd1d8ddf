"""Time the fast loop (``bash tools/fast.sh``) here and, optionally, in another checkout, interleaved.

Usage::

    .venv/bin/python benchmarks/fast_loop.py [--repeat 5] [--against OTHER_CHECKOUT] [--json FILE]

Each round runs ``bash tools/fast.sh`` once in every checkout (this one first in
odd rounds, the other first in even ones), after one unmeasured warm-up round
that fills the bytecode caches. It prints, per checkout, the wall time of each
run (interpreter start to exit) and the time pytest reports (``passed in X s``:
collection and tests, not start-up), their medians and minimums, the ratio of
the medians between the checkouts, and whether the median pytest time meets the
fast loop's target (:data:`TARGET_SECONDS`). Machines here are noisy (the same
run varies by a third): read the ratio of interleaved medians, not one run.

``OTHER_CHECKOUT`` needs its own ``.venv`` and ``node_modules`` (or symbolic
links to this checkout's, as ``git worktree add`` plus two ``ln -s`` give).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
#: The fast loop's target: DEVELOPMENT.md, "The fast loop".
TARGET_SECONDS = 10.0
_PASSED = re.compile(r"(\d+) passed.* in ([0-9.]+)s")


@dataclass
class Checkout:
    """One checkout's runs: wall seconds, pytest's seconds and the test count of each."""

    name: str
    root: Path
    wall: list[float] = field(default_factory=list)
    pytest: list[float] = field(default_factory=list)
    tests: set[int] = field(default_factory=set)

    def run(self, *, measured: bool) -> None:
        started = time.perf_counter()
        done = subprocess.run(["bash", "tools/fast.sh"], cwd=self.root, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        found = _PASSED.search(last)
        if done.returncode != 0 or found is None:
            raise SystemExit(f"error: the fast loop failed in {self.root} (exit {done.returncode}): {last}")
        print(f"  {self.name}: {wall:.2f} s wall, {found.group(2)} s in pytest{'' if measured else ' (warm-up)'}")
        if measured:
            self.wall.append(wall)
            self.pytest.append(float(found.group(2)))
            self.tests.add(int(found.group(1)))


def summary(checkout: Checkout) -> str:
    return (
        f"{checkout.name} ({checkout.root}, {'/'.join(map(str, sorted(checkout.tests)))} tests): "
        f"pytest median {statistics.median(checkout.pytest):.2f} s (min {min(checkout.pytest):.2f}), "
        f"wall median {statistics.median(checkout.wall):.2f} s (min {min(checkout.wall):.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--against", type=Path, help="another checkout to time in the same rounds")
    parser.add_argument("--json", type=Path, help="also write the raw timings to this file")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1 (got {args.repeat})")
    checkouts = [Checkout("this", HERE)]
    if args.against is not None:
        other = args.against.resolve()
        if not (other / "tools" / "fast.sh").is_file():
            parser.error(f"--against {other}: no tools/fast.sh there (pass a checkout of this project)")
        checkouts.append(Checkout("other", other))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    for round_no in range(args.repeat + 1):
        print(f"round {round_no}/{args.repeat}{' (warm-up)' if round_no == 0 else ''}")
        for checkout in checkouts if round_no % 2 else checkouts[::-1]:
            checkout.run(measured=round_no > 0)
    print(f"\nload average before: {load}; after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for checkout in checkouts:
        print(summary(checkout))
    this = statistics.median(checkouts[0].pytest)
    if len(checkouts) == 2:
        print(f"ratio this/other, median pytest time: {this / statistics.median(checkouts[1].pytest):.2f}")
    verdict = "met" if this <= TARGET_SECONDS else "not met"
    print(f"target: median pytest time <= {TARGET_SECONDS:.0f} s: {verdict} ({this:.2f} s)")
    if args.json:
        raw = {c.name: {"root": str(c.root), "wall": c.wall, "pytest": c.pytest} for c in checkouts}
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
