"""``python -m agentsmith COMMAND ...``: the package's commands.

    python -m agentsmith check-overlay DIR|-     (also installed as ``agentsmith-check-overlay``)

A command is a name, a one-line summary and a ``main(argv) -> exit status`` that parses its own arguments;
add one to :data:`COMMANDS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Final

from agentsmith import overlay

__all__ = ["COMMANDS", "main"]

#: name -> (summary, main): each main takes the arguments after the name and returns the exit status.
COMMANDS: Final[dict[str, tuple[str, Callable[[Sequence[str]], int]]]] = {
    "check-overlay": (overlay.SUMMARY, overlay.main),
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {summary}" for name, (summary, _) in COMMANDS.items()]
    return "\n".join(["usage: python -m agentsmith COMMAND [ARGS...]", "", "commands:", *lines])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv[0]`` with the rest; 2 and the usage on an unknown or missing command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(_usage())
        return 0
    if not args or args[0] not in COMMANDS:
        if args:
            print(f"error: unknown command {args[0]!r}", file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    _, command = COMMANDS[args[0]]
    return command(args[1:])


if __name__ == "__main__":
    sys.exit(main())
