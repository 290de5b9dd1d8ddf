"""What makes an error message clear: prop, value, rule, fix; no credential; a close did-you-mean."""

from __future__ import annotations

import difflib
import re

from agentsmith import AgentsmithConfigError

_DID_YOU_MEAN = re.compile(r"Did you mean (?P<candidate>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\?")


def unclear(error: AgentsmithConfigError, *, path: str | None, secret: str) -> list[str]:
    """Why ``error`` is not a clear message (empty: it is).

    Clear: ``[<path>] '<prop>' <rule> (got <value>). <fix>`` (no ``[<path>]``
    outside a construct, ``path`` None), the fix ending in
    '.' or '?'; ``secret`` in neither the message nor ``error.value``; and a
    did-you-mean offers a candidate at least half like the value given.
    """
    text = str(error)
    problems = []
    head = f"[{path}] '{error.prop}' " if path else f"'{error.prop}' "
    if not text.startswith(head):
        problems.append(f"does not start with {head!r}")
    got = f" (got {error.value!r}). "
    if got not in text:
        problems.append("does not show the value")
    else:
        fix = text.rpartition(got)[2].strip()
        if len(fix) < 8 or fix[-1] not in ".?":
            problems.append(f"no fix after the value: {fix!r}")
    if secret in text or secret in repr(error.value):
        problems.append("repeats the password")
    found = _DID_YOU_MEAN.search(text)
    if found:
        candidate = found["candidate"][1:-1]
        value = error.value if isinstance(error.value, str) else repr(error.value)
        ratio = difflib.SequenceMatcher(None, value.lower(), candidate.lower()).ratio()
        if ratio < 0.5:
            problems.append(f"did-you-mean {candidate!r} is unlike {value!r} (ratio {ratio:.2f})")
    return problems
