"""However `python main.py` or `cdk8s synth` ends, dist/ holds its old content or the complete new output.

The trials run as a background job (testkit/kill.py): each entry point is
signalled at every step of the test hook with SIGINT, SIGTERM and SIGKILL, and
its process group after seeded random delays. `tools/kill_trials.py` runs more.
"""

from __future__ import annotations

import pytest

from testkit.kill import ENTRIES, SIGNALS, STEPS, ConcurrentRuns, Trials

pytestmark = pytest.mark.subprocess  # the kill trials and concurrent synths are a background job of processes


def test_no_trial_loses_or_corrupts_dist(kill_trials: Trials) -> None:
    # GIVEN both entry points, killed at every hook step and at random delays
    for entry in ENTRIES:
        # THEN every trial ended with dist/ as before or completely updated
        bad = [trial for trial in kill_trials.trials if trial.entry == entry and trial.outcome in ("lost", "corrupted")]
        assert bad == [], kill_trials.summary()
        assert kill_trials.count(entry, "old", "new") >= len(STEPS) * len(SIGNALS)


def test_every_hook_step_was_reached(kill_trials: Trials) -> None:
    assert [trial.how for trial in kill_trials.trials if "never reached" in trial.how] == []


def test_kills_before_the_swap_keep_old_and_after_it_keep_new(kill_trials: Trials) -> None:
    # The trials can tell the outcomes apart: the swap is the one step that changes dist/.
    for trial in kill_trials.trials:
        if trial.how.startswith("paused at 'swapped'"):
            assert trial.outcome == "new", trial
        elif trial.how.startswith("paused at"):
            assert trial.outcome == "old", trial


def test_interrupted_runs_say_so_in_one_line(kill_trials: Trials) -> None:
    # SIGINT and SIGTERM to main.py while paused: exit 130 / 143 and one line, no traceback
    paused = [t for t in kill_trials.trials if t.entry == "main.py" and t.how.startswith("paused at")]
    for trial in paused:
        if "SIGINT" in trial.how:
            assert trial.returncode == 130, trial
            assert trial.stderr.splitlines()[-1].startswith("error: interrupted; "), trial
        elif "SIGTERM" in trial.how:
            assert trial.returncode == 143, trial
            assert trial.stderr.splitlines()[-1].startswith("error: terminated; "), trial
        assert "Traceback" not in trial.stderr, trial


def test_a_clean_run_removes_what_killed_runs_left(kill_trials: Trials) -> None:
    assert kill_trials.leftovers_after_clean_run == []


def test_concurrent_synths_into_one_folder_all_succeed(concurrent_synths: ConcurrentRuns) -> None:
    # GIVEN four `python main.py --outdir X` at once, two buses alternating
    # THEN all succeed without a message, X holds one complete output, no staging folder is left
    assert concurrent_synths.returncodes == [0, 0, 0, 0], concurrent_synths.stderr
    assert concurrent_synths.stderr == ["", "", "", ""]
    assert concurrent_synths.outdir in concurrent_synths.outputs
    assert concurrent_synths.outputs[0] != concurrent_synths.outputs[1]
    assert concurrent_synths.leftovers == []
