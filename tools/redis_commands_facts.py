"""Extract facts about Redis commands from redis/redis ``src/commands/*.json`` at release tags.

    python tools/redis_commands_facts.py --git-dir <redis.git> \\
        --tag 7.0.15 --tag 7.2.6 --tag 7.4.1 --out tests/data/redis-commands.json
    python tools/redis_commands_facts.py --out tests/data/redis-commands.json --compare 127.0.0.1:6390

The first form reads each tag's command JSON files with git (a bare mirror is enough) and writes
one deterministic JSON document. Each command or subcommand (``container|name``) gets, for that tag:

* ``group``, ``since``, ``arity``, ``complexity`` (verbatim; ``null`` when the file has none),
  ``container`` (``null`` for a top-level command), ``subcommands`` (sorted, for containers);
* ``explicit_acl_categories``: the file's ``acl_categories``; ``acl_categories``: the effective set,
  with the implicit categories ``setImplicitACLCategories`` (src/server.c) derives from the flags,
  i.e. what ``COMMAND INFO`` reports;
* ``command_flags``: the file's flags; ``info_flags``: what ``COMMAND INFO`` reports, i.e. without the
  flags ``addReplyFlagsForCommand`` hides and with ``movablekeys`` where
  ``populateCommandLegacyRangeSpec`` sets it;
* ``doc_flags``, ``deprecated_since``, ``replaced_by`` when the file has them.

All names are lower case and ACL categories carry no ``@``. The rules are checked against each
tag's src/server.c: the script stops if a function it mirrors differs from the one it was written for.

The second form (``--compare HOST:PORT``) asks a running server for ``COMMAND INFO`` and
``COMMAND DOCS`` and compares every command and subcommand with the entries of the server's version
(``--compare-version`` to choose another); it exits 1 on a difference. ``only_sentinel`` commands
are expected to be missing from a non-sentinel server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

# The rules of setImplicitACLCategories (src/server.c), identical at 7.0.15, 7.2.6 and 7.4.1.
IMPLICIT_ACL = (
    ("write", ("write",)),
    ("admin", ("admin", "dangerous")),
    ("pubsub", ("pubsub",)),
    ("fast", ("fast",)),
    ("blocking", ("blocking",)),
)
# sha256 of the whitespace- and comment-free bodies of the C functions mirrored here.
MIRRORED_FUNCTIONS = {
    "setImplicitACLCategories": "527ddb204da6f30cb05e15a31db5520991fd4c8ccabd654ca3d820d5d8085760",
    "populateCommandLegacyRangeSpec": "820b192746fa027eb803600b76f75a189f23e2f980bc714e7b3b355714659882",
}
GROUP_REPLY = {"sorted_set": "sorted-set"}  # COMMAND_GROUP_STR spells this group differently


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], capture_output=True, text=True, check=True).stdout


def _blobs(git_dir: str, ids: list[str]) -> list[bytes]:
    """The contents of the given objects, in one ``git cat-file --batch``."""
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"],
        input="\n".join(ids).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    blobs, pos = [], 0
    for _ in ids:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        blobs.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return blobs


def _c_function(source: str, name: str) -> str:
    """The body of a top-level C function, without comments and whitespace."""
    match = re.search(r"^\w[\w \*]*\b" + name + r"\([^)]*\)\s*\{", source, re.MULTILINE)
    if match is None:
        raise SystemExit(f"src/server.c: no function {name}")
    depth, pos = 1, match.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(source[pos], 0)
        pos += 1
    body = re.sub(r"/\*.*?\*/|//[^\n]*", "", source[match.end() : pos - 1], flags=re.DOTALL)
    return re.sub(r"\s+", "", body)


def _reply_flag_names(server_c: str) -> dict[str, str]:
    """CMD_X -> the name COMMAND INFO shows, from addReplyFlagsForCommand (commented-out entries are hidden)."""
    match = re.search(r"void addReplyFlagsForCommand\(.*?\n\}", server_c, re.DOTALL)
    if match is None:
        raise SystemExit("src/server.c: no addReplyFlagsForCommand")
    text = re.sub(r"/\*.*?\*/", "", match.group(0), flags=re.DOTALL)
    return {flag.lower(): name for flag, name in re.findall(r'\{CMD_(\w+),\s*"(\w+)"\}', text)}


def _movable_keys(key_specs: list[dict[str, Any]]) -> bool:
    """Whether populateCommandLegacyRangeSpec sets CMD_MOVABLE_KEYS (native commands: key specs only)."""

    def plain(spec: dict[str, Any]) -> bool:
        return "index" in spec["begin_search"] and "range" in spec["find_keys"]

    if not key_specs:
        return False
    if len(key_specs) == 1 and plain(key_specs[0]):
        return "INCOMPLETE" in key_specs[0].get("flags", [])
    movable, lastkey, prev_lastkey, found = False, 0, 0, False
    for spec in key_specs:
        if not plain(spec):
            movable = True
            continue
        pos, rng = spec["begin_search"]["index"]["pos"], spec["find_keys"]["range"]
        if rng["step"] != 1 or (prev_lastkey and prev_lastkey != pos - 1):
            movable = True
            continue
        movable = movable or "INCOMPLETE" in spec.get("flags", [])
        found = True
        last = rng["lastkey"] + pos if rng["lastkey"] >= 0 else rng["lastkey"]
        lastkey = max(lastkey % 2**32, last % 2**32)  # C compares them as unsigned
        lastkey = lastkey - 2**32 if lastkey >= 2**31 else lastkey
        prev_lastkey = lastkey
    return movable or not found


def _entry(desc: dict[str, Any], flag_names: dict[str, str]) -> dict[str, Any]:
    # Sets, as in C (bit masks): 7.2.6's xread.json lists BLOCKING twice.
    flags = sorted({f.lower() for f in desc.get("command_flags", [])})
    explicit = sorted({c.lower() for c in desc.get("acl_categories", [])})
    effective = set(explicit)
    for flag, categories in IMPLICIT_ACL:
        if flag in flags:
            effective.update(categories)
    if "readonly" in flags and "scripting" not in explicit:
        effective.add("read")
    if "fast" not in effective:
        effective.add("slow")
    info_flags = {flag_names[f] for f in flags if f in flag_names}
    if _movable_keys(desc.get("key_specs", [])):
        info_flags.add(flag_names["movable_keys"])
    entry: dict[str, Any] = {
        "group": desc["group"],
        "since": desc["since"],
        "arity": desc["arity"],
        "complexity": desc.get("complexity"),
        "container": desc["container"].lower() if "container" in desc else None,
        "explicit_acl_categories": explicit,
        "acl_categories": sorted(effective),
        "command_flags": flags,
        "info_flags": sorted(info_flags),
    }
    if desc.get("doc_flags"):
        entry["doc_flags"] = sorted({f.lower() for f in desc["doc_flags"]})
    for key in ("deprecated_since", "replaced_by"):
        if key in desc:
            entry[key] = desc[key]
    return entry


def extract(git_dir: str, tag: str) -> dict[str, Any]:
    commit = _git(git_dir, "rev-parse", "--verify", f"{tag}^{{commit}}").strip()
    server_c = _git(git_dir, "show", f"{commit}:src/server.c")
    for function, digest in MIRRORED_FUNCTIONS.items():
        actual = hashlib.sha256(_c_function(server_c, function).encode()).hexdigest()
        if actual != digest:
            raise SystemExit(f"{tag}: src/server.c {function} differs from the rules in this script ({actual})")
    flag_names = _reply_flag_names(server_c)
    tree = [line.split(None, 3) for line in _git(git_dir, "ls-tree", commit, "src/commands/").splitlines()]
    files = [(oid, path) for _mode, kind, oid, path in tree if kind == "blob" and path.endswith(".json")]
    commands: dict[str, dict[str, Any]] = {}
    for (_oid, path), blob in zip(files, _blobs(git_dir, [oid for oid, _ in files]), strict=True):
        ((name, desc),) = json.loads(blob).items()
        entry = _entry(desc, flag_names)
        key = f"{entry['container']}|{name.lower()}" if entry["container"] else name.lower()
        if key in commands:
            raise SystemExit(f"{tag}: {path}: {key} described twice")
        commands[key] = entry
    for key, entry in commands.items():
        if entry["container"]:
            commands[entry["container"]].setdefault("subcommands", []).append(key)
    for entry in commands.values():
        entry.get("subcommands", []).sort()
    return {"commit": commit, "commands": commands}


# --- comparison with a running server -------------------------------------------------------------------------------


def _read_reply(stream: BinaryIO) -> Any:
    line = stream.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:].decode()
    if kind in (b"+", b"-"):
        return rest if kind == b"+" else RuntimeError(rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        return None if int(rest) < 0 else stream.read(int(rest) + 2)[:-2].decode()
    if kind == b"*":
        return None if int(rest) < 0 else [_read_reply(stream) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected reply {line!r}")


def _call(stream: BinaryIO, sock: socket.socket, *args: str) -> Any:
    sock.sendall(f"*{len(args)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in args))
    reply = _read_reply(stream)
    if isinstance(reply, RuntimeError):
        raise reply
    return reply


def _pairs(flat: list[Any]) -> dict[str, Any]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _server_info(info: Iterable[list[Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in info:
        out[item[0]] = {
            "arity": item[1],
            "info_flags": sorted(item[2]),
            "acl_categories": sorted(c.removeprefix("@") for c in item[6]),
        }
        out.update(_server_info(item[9]))
    return out


def _server_docs(docs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, flat in docs.items():
        doc = _pairs(flat)
        out[name] = {
            "group": doc["group"],
            "since": doc.get("since"),
            "complexity": doc.get("complexity"),
            "doc_flags": sorted(doc.get("doc_flags", [])),
            "deprecated_since": doc.get("deprecated_since"),
            "replaced_by": doc.get("replaced_by"),
        }
        out.update(_server_docs(_pairs(doc.get("subcommands", []))))
    return out


def compare(document: dict[str, Any], address: str, version: str | None) -> int:
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock, sock.makefile("rb") as stream:
        info_text = _call(stream, sock, "INFO", "server")
        running = re.search(r"^redis_version:(\S+)", info_text, re.MULTILINE)
        info = _server_info(_call(stream, sock, "COMMAND", "INFO"))
        docs = _server_docs(_pairs(_call(stream, sock, "COMMAND", "DOCS")))
    version = version or (running.group(1) if running else None)
    if version not in document["versions"]:
        raise SystemExit(f"the server runs {version}; the document has {sorted(document['versions'])}")
    facts: dict[str, dict[str, Any]] = document["versions"][version]["commands"]
    expected_missing = {k for k, e in facts.items() if "only_sentinel" in e["command_flags"]}
    problems = [f"{name}: not in the document" for name in sorted(info.keys() - facts.keys())]
    problems += [f"{name}: not on the server" for name in sorted(facts.keys() - info.keys() - expected_missing)]
    problems += [f"{name}: in COMMAND INFO but not in COMMAND DOCS" for name in sorted(info.keys() - docs.keys())]
    matched = 0
    for name in sorted(info.keys() & facts.keys()):
        entry = dict(facts[name], group=GROUP_REPLY.get(facts[name]["group"], facts[name]["group"]))
        entry.setdefault("doc_flags", [])
        server = {**info[name], **docs.get(name, {})}
        bad = [
            f"{key}: server {value!r}, document {entry.get(key)!r}"
            for key, value in sorted(server.items())
            if entry.get(key) != value
        ]
        problems += [f"{name}: {b}" for b in bad]
        matched += not bad
    print(
        f"{address} runs {running.group(1) if running else '?'}, compared with {version}: "
        f"{len(info)} commands and subcommands on the server, {len(facts)} in the document, "
        f"{matched} equal in every compared field, {len(problems)} differences; "
        f"{len(expected_missing & facts.keys() - info.keys())} only_sentinel entries absent as expected"
    )
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", help="a clone or bare mirror of redis/redis; with --tag, write --out")
    parser.add_argument("--tag", action="append", default=[], help="a release tag (repeat)")
    parser.add_argument("--out", type=Path, required=True, help="the JSON document (read by --compare)")
    parser.add_argument("--compare", metavar="HOST:PORT", help="compare a running server with the document")
    parser.add_argument("--compare-version", help="the document's version to compare with (default: the server's)")
    args = parser.parse_args(argv)
    if args.git_dir:
        if not args.tag:
            parser.error("--git-dir needs at least one --tag")
        versions = {tag: extract(args.git_dir, tag) for tag in args.tag}
        origin = (
            f"redis/redis src/commands/*.json at tags {', '.join(versions)} "
            f"(commit shas {', '.join(v['commit'] for v in versions.values())}); "
            "extracted by tools/redis_commands_facts.py; facts only: name, container, subcommands, group, "
            "since, arity, complexity, explicit_acl_categories, acl_categories (with the implicit ones of "
            "setImplicitACLCategories), command_flags, info_flags (as COMMAND INFO shows them), doc_flags, "
            "deprecated_since, replaced_by"
        )
        text = json.dumps({"origin": origin, "versions": versions}, indent=1, sort_keys=True, ensure_ascii=False)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"{args.out}: " + ", ".join(f"{t} {len(v['commands'])} commands" for t, v in versions.items()))
    elif not args.compare:
        parser.error("nothing to do: give --git-dir and --tag, or --compare")
    if args.compare:
        return compare(json.loads(args.out.read_text(encoding="utf-8")), args.compare, args.compare_version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
