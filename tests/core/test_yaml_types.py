"""YAML 1.1 and YAML 1.2 readers read ``dist/`` and adversarial strings back identically.

cdk8s writes YAML 1.1 (yaml@2 with ``version: '1.1'``); PyYAML reads YAML 1.1;
``kubectl kustomize`` reads and writes YAML 1.2 with go-yaml v3, and its output is
read here with a YAML 1.2 core-schema loader (``testkit/yaml12.py``). The real writer
(``cdk8s.Yaml.stringify``) and one real ``kubectl kustomize`` run check:

* every object of the committed ``dist/`` comes out of Kustomize exactly as
  PyYAML reads it;
* for several thousand adversarial strings, :func:`agentsmith.core.yaml_types.yaml_ambiguous`
  is exact: it is true for precisely the strings that do not round-trip, which
  the constructs refuse (the ``YAML_NUMBER`` rows, ``tests/_bad_props.py``); every other string
  round-trips unchanged through both readers.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import cdk8s
import pytest
import yaml
from _support import ROOT, kustomize, run_kustomize

from agentsmith.core.yaml_types import yaml_ambiguous
from testkit.yaml12 import load_all

#: Strings YAML readers are known to disagree on, or that look like they might.
NAMED = [
    "0o17", "0O17", "+0o17", "-0o17", "0o1_7", "0_o17", "0o7_", "0o-1", "0X1F", "0x1F", "0x1f", "0b101",
    "yes", "Yes", "on", "off", "y", "n", "NO", "true", "False", "~", "null", "Null", "",
    "1e3", "1E3", "1e+3", "1e-3", ".inf", "-.inf", ".nan", ".NaN", "08", "017", "1_000", "1:20", "1.5", "1.",
    ".5", "0.", "123", "-1", "+1", "2024-01-01", "2024-1-1", "2001-12-14t21:59:43.10-05:00", "0x1p3",
    "9223372036854775808", "0o177777777777777777777777", "infinity", "nan", "inf", "-", ".", "_",
    "redis", "v0o17", "agentsmith-secrets", "redis://redis:6379", "message-bus",
]  # fmt: skip
#: Every string of up to four characters over the characters numbers are made of.
GENERATED = ["".join(chars) for size in range(1, 5) for chars in itertools.product("0o1xX_.e+-", repeat=size)]


@pytest.mark.subprocess  # kubectl kustomize
def test_dist_reads_back_identically_in_yaml_1_1_and_1_2(tmp_path: Path) -> None:
    # GIVEN the committed dist/ as PyYAML (YAML 1.1) reads it
    files = sorted((ROOT / "dist").glob("*.k8s.yaml"))
    assert files, "dist/ is empty: run python main.py"
    texts = [path.read_text(encoding="utf-8") for path in files]
    by_pyyaml = sorted((doc for text in texts for doc in yaml.safe_load_all(text) if doc), key=repr)
    # WHEN Kustomize (YAML 1.2, go-yaml v3) reads and writes it THEN every object is the same
    assert sorted(kustomize(tmp_path / "dist", texts), key=repr) == by_pyyaml


@pytest.mark.subprocess  # kubectl kustomize
def test_yaml_ambiguous_is_exactly_the_strings_that_do_not_round_trip(tmp_path: Path) -> None:
    # GIVEN thousands of strings written by cdk8s's own writer, as one ConfigMap's data
    strings = sorted(set(NAMED + GENERATED))
    data = {f"k{index:05d}": text for index, text in enumerate(strings)}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strings"}, "data": data}
    written = cdk8s.Yaml.stringify(config_map)
    # WHEN read by PyYAML (YAML 1.1) and by Kustomize (YAML 1.2)
    by_pyyaml = yaml.safe_load(written)["data"]
    (built,) = kustomize(tmp_path / "strings", [written])
    by_kustomize = built["data"]
    # THEN PyYAML always reads the string back
    assert [key for key, text in data.items() if by_pyyaml[key] != text] == []
    # AND Kustomize reads back exactly the strings that yaml_ambiguous lets through
    lost = {text for key, text in data.items() if by_kustomize.get(key) != text}
    flagged = {text for text in strings if yaml_ambiguous(text)}
    assert lost == flagged
    assert {"0o17", "0X1F", "-0o17", "0_o17"} <= flagged
    assert len(strings) > 10_000


def test_pyyaml_tags_written_plain_are_flagged() -> None:
    # cdk8s writes "<<" and "=" plain; PyYAML takes them for its merge and value tags and
    # refuses the whole file, so they are not in the corpus above.
    for text in ("<<", "="):
        written = cdk8s.Yaml.stringify({"k": text})
        assert written == f"k: {text}\n"
        assert yaml_ambiguous(text)


def test_yaml12_loader_reads_numbers_as_yaml_1_2_does() -> None:
    # The loader the tests above trust: 1.2 numbers, and 1.1-only forms as strings.
    text = "a: 0o17\nb: 0x1F\nc: 1e3\nd: yes\ne: 017\nf: 1_000\ng: ~\nh: .inf\ni: 0x_\nj: true\n"
    assert load_all(text) == [
        {"a": 15, "b": 31, "c": 1000.0, "d": "yes", "e": 17, "f": "1_000", "g": None, "h": float("inf"),
         "i": "0x_", "j": True}
    ]  # fmt: skip


@pytest.mark.subprocess  # kubectl kustomize
def test_mapping_keys_follow_the_same_rule(tmp_path: Path) -> None:
    # Secret keys and label keys are mapping keys: GIVEN every corpus string that is a valid key
    keys = sorted({text for text in NAMED + GENERATED if re.fullmatch(r"[-._a-zA-Z0-9]+", text)})
    kept = [key for key in keys if not yaml_ambiguous(key)]
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keys"}}
    # WHEN the keys yaml_ambiguous lets through are written by cdk8s THEN Kustomize keeps every one
    (built,) = kustomize(tmp_path / "kept", [cdk8s.Yaml.stringify({**config_map, "data": dict.fromkeys(kept, "v")})])
    assert sorted(built["data"]) == kept
    # AND a single flagged key makes Kustomize fail on the whole file
    result = run_kustomize(tmp_path / "flagged", [cdk8s.Yaml.stringify({**config_map, "data": {"0o17": "v"}})])
    assert result.returncode != 0
    assert len(kept) > 7000
