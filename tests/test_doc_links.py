"""The docs hold together: relative links and #anchors resolve, no issue numbers in user docs, a short README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _support import ROOT

#: Every Markdown document whose links are checked (docs/api/ is generated HTML, checked by test_api_docs.py).
DOCUMENTS = sorted(
    [
        ROOT / "README.md",
        ROOT / "DEVELOPMENT.md",
        ROOT / "PACKAGE.md",
        ROOT / "CHANGELOG.md",
        *(ROOT / "docs").glob("*.md"),
    ]
)
#: Written for users of the library: no references to this project's issue tracker, which they cannot follow.
USER_DOCUMENTS = sorted([ROOT / "README.md", ROOT / "PACKAGE.md", *(ROOT / "docs").glob("*.md")])
README_MAX_LINES = 250

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_ISSUE = re.compile(r"\bissues?\s+#?\d+\b|\(#\d+\)", re.IGNORECASE)


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks (headings and links in code are not Markdown)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())  # a link in a heading: its text
    text = re.sub(r"[^\w\- ]", "", text.replace("`", ""))
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, with GitHub's -1, -2 ... for repeated headings."""
    seen: dict[str, int] = {}
    result = set()
    for line in prose(path.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path) -> list[str]:
    return [target for line in prose(path.read_text(encoding="utf-8")) for target in _LINK.findall(line)]


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)


def test_the_slug_is_githubs() -> None:
    assert slug("Synthesising `dist/`") == "synthesising-dist"
    assert slug("Input rules: what the cluster would reject is rejected here") == (
        "input-rules-what-the-cluster-would-reject-is-rejected-here"
    )
    assert slug("Node.js 20 → 24") == "nodejs-20--24"
    assert slug("Memory abuse by clients (bounded by default)") == "memory-abuse-by-clients-bounded-by-default"


def test_headings_inside_code_blocks_are_not_anchors(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# Title\n\n```bash\n# a comment\n```\n\n## Part\n\n## Part\n", encoding="utf-8")
    assert anchors(doc) == {"title", "part", "part-1"}


def broken_links(doc: Path) -> list[str]:
    """The relative links of ``doc`` whose file is missing or whose ``#anchor`` names no heading there."""
    broken = []
    for target in filter(relative, links(doc)):
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.exists():
            broken.append(f"{target}: {linked} does not exist")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading '#{anchor}' in {linked.name}")
    return broken


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(doc: Path) -> None:
    broken = broken_links(doc)
    assert not broken, f"{doc.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_the_link_checker_sees_broken_links(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    text = "# Here\n\n[ok](#here) [file](doc.md#here) [web](https://example.com/x#y) [bad](#there) [gone](missing.md)\n"
    doc.write_text(text, encoding="utf-8")
    broken = broken_links(doc)
    assert [line.split(":")[0] for line in broken] == ["#there", "missing.md"]


@pytest.mark.parametrize("doc", USER_DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_name_no_issue_numbers(doc: Path) -> None:
    hits = [line for line in doc.read_text(encoding="utf-8").splitlines() if _ISSUE.search(line)]
    assert not hits, f"{doc.relative_to(ROOT)} refers to issues users cannot follow:\n" + "\n".join(hits)


def test_the_issue_pattern_matches_the_forms_used_before() -> None:
    for text in ("### Handles (issue 15)", "needs (issue 13, item 1)", "since issue 11", "issues 1558 and 731"):
        assert _ISSUE.search(text), text
    assert not _ISSUE.search("kubernetes/kubernetes#24198 and 8 issues found")


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/ (at most {README_MAX_LINES})"


def test_the_docs_by_reader_exist_and_the_readme_links_each() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in (
        "docs/operations.md",
        "docs/security.md",
        "docs/design.md",
        "DEVELOPMENT.md",
        "docs/api/agentsmith.html",
    ):
        assert (ROOT / doc).is_file(), doc
        assert f"]({doc}" in readme, f"README.md does not link {doc}"
