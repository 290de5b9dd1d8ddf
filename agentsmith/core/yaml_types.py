"""Which strings cdk8s writes plain but a YAML 1.2 reader (Kustomize, kubectl) reads back as something else.

The constructs refuse them, since they cannot make cdk8s quote a value: DEVELOPMENT.md, "Why the code is shaped so".
"""

from __future__ import annotations

import re

__all__ = ["yaml_ambiguous"]

# yaml@2 (cdk8s's writer), dist/schema/yaml-1.1 and schema/common: a plain
# scalar matching one of these is quoted on output, so it round-trips. The
# merge key "<<" is not among them: it is written plain and PyYAML refuses it.
_YAML11_NON_STRING = re.compile(
    r"|".join(
        (
            r"~|[Nn]ull|NULL|",
            r"Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON|N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF",
            r"[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN",
            r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+",
            r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*",
            r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?[0-9][0-9_]*|[-+]?0x[0-9a-fA-F_]+",
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?",
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?"
            r"(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?",
        )
    )
)

# go-yaml v3 resolve.go: the words it maps to null, bool or float.
_GO_YAML_WORDS = frozenset(
    "~ null Null NULL true True TRUE false False FALSE .inf .Inf .INF +.inf +.Inf +.INF "
    "-.inf -.Inf -.INF .nan .NaN .NAN <<".split()
) | {""}
# Go's strconv.ParseInt/ParseUint with base 0 (after go-yaml removed every '_').
_GO_INTEGER = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# go-yaml's own "0b"/"0o" branches: ParseInt(plain[2:], 2 or 8), which takes a sign.
_GO_PREFIXED = re.compile(r"-?0b[-+]?[01]+|-?0o[-+]?[0-7]+")


def yaml_ambiguous(text: str) -> bool:
    """True if cdk8s writes ``text`` unquoted but go-yaml v3 (YAML 1.2, Go numbers) or PyYAML reads it otherwise."""
    if _YAML11_NON_STRING.fullmatch(text):
        return False  # quoted by the writer: every reader gets the string back
    if text in _GO_YAML_WORDS or text == "=":
        return True
    if not text or text[0] not in "+-.0123456789":
        return False
    plain = text.replace("_", "")
    return bool(_GO_INTEGER.fullmatch(plain) or _GO_FLOAT.fullmatch(plain) or _GO_PREFIXED.fullmatch(plain))
