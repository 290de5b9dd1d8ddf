"""Kill `python main.py` and `cdk8s synth` at many points and count trials that lost or corrupted dist/.

Usage: .venv/bin/python tools/kill_trials.py [--delays N] [--seed S]
Each entry point gets every test-hook step x SIGINT/SIGTERM/SIGKILL, plus N
seeded random delays (see testkit/kill.py). Works in a temporary copy; prints
one line per trial and a summary. Exit 1 if any trial lost or corrupted dist/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: agentsmith, testkit

from testkit.kill import ENTRIES, run_kill_trials


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", type=int, default=30, help="random-delay trials per entry point (default 30)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentsmith-kill-") as base:
        trials = run_kill_trials(Path(base), delays=args.delays, seed=args.seed)
    for trial in trials.trials:
        print(f"{trial.entry:12} {trial.outcome:9} rc={trial.returncode} {trial.how}")
    print(f"left behind after a clean run: {trials.leftovers_after_clean_run or 'nothing'}")
    print(trials.summary())
    bad = sum(trials.count(entry, "lost", "corrupted") for entry in ENTRIES)
    return 1 if bad or trials.leftovers_after_clean_run else 0


if __name__ == "__main__":
    sys.exit(main())
