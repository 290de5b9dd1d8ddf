"""Redis's ACL command rules, evaluated in Python over a version's command facts.

``tests/data/redis-commands.json`` holds, for Redis 7.0, 7.2 and 7.4, every command's
effective ACL categories (extracted from redis/redis ``src/commands/*.json`` by
``tools/redis_commands_facts.py``). :func:`allowed` applies a user's rules to them the way
Redis 7 does (``src/acl.c``), so the tests can ask what a rule list allows on a Redis they
do not run; on the one they run, ``ACL DRYRUN`` checks this evaluation.

Rules, left to right: ``+@all``/``-@all``; ``+@cat``/``-@cat`` set or clear every command
and subcommand in the category; ``+cmd``/``-cmd`` a command with all its subcommands;
``+cmd|sub``/``-cmd|sub`` one subcommand. ``+cmd|arg`` for a command without subcommands
allows it with one first argument (``+select|0``): counted here as allowed, since the user
may run it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "redis-commands.json"
#: The versions in the facts file, oldest first.
VERSIONS = ("7.0.15", "7.2.6", "7.4.1")


@cache
def _facts(version: str) -> Mapping[str, Mapping[str, Any]]:
    """Every entry of ``version`` in the facts file (read once a process)."""
    commands: Mapping[str, Mapping[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["versions"][version][
        "commands"
    ]
    return commands


@cache
def commands(version: str) -> Mapping[str, Mapping[str, Any]]:
    """``{name: facts}`` of the commands a normal (not sentinel) server of ``version`` runs.

    Leaves only: a container (``client``) is left out, its subcommands (``client|id``) stay.
    """
    data = _facts(version)
    return {
        name: facts
        for name, facts in data.items()
        if not facts.get("subcommands") and "only_sentinel" not in facts["command_flags"]
    }


def known(version: str, rule_name: str) -> bool:
    """True when ``rule_name`` (``get``, ``client|id``, ``client``) names a command of ``version``."""
    return rule_name in _facts(version)


def allowed(rules: Iterable[str], version: str) -> frozenset[str]:
    """The commands of ``version`` a user with ``rules`` (``+@all``, ``-get``, ...) may run."""
    facts = commands(version)
    granted: set[str] = set()
    for rule in rules:
        sign, body = rule[0], rule[1:]
        if sign not in "+-" or rule[:1] in ("~", "&", ">", "%"):
            continue  # key, channel and password rules
        if body.startswith("@"):
            category = body[1:]
            hit = {name for name, fact in facts.items() if category == "all" or category in fact["acl_categories"]}
        elif "|" in body:
            command = body.partition("|")[0]
            hit = {body} if body in facts else {command} & set(facts)  # else a first-argument rule
        else:
            hit = {name for name in facts if name == body or name.startswith(f"{body}|")}
        if sign == "+":
            granted |= hit
        else:
            granted -= hit
    return frozenset(granted)


def rule_names(rules: Iterable[str]) -> list[str]:
    """The command names in ``rules`` (``-client|reply`` -> ``client|reply``), categories left out."""
    names = []
    for rule in rules:
        if rule[:1] in "+-" and not rule[1:].startswith("@"):
            name = rule[1:]
            command, _, argument = name.partition("|")
            names.append(name if not argument.isdigit() else command)
    return names
