"""What a reader of a document needs beyond its clauses: each clause's enclosing sections and the
document's outline, computed from the clauses' section data.

`Clause.headings` holds the titles of the enclosing sections and, when the clause has one, its own
title last; `Clause.path` holds the labels of all of them as parsing found them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .models import Clause


class PathStep(NamedTuple):
    """One section enclosing a clause: its label as written (二、, （三）; "" when unknown) and title."""

    label: str
    title: str


@dataclass
class Section:
    """A node of a document's outline, with the first clause in it (to link to)."""

    label: str
    title: str
    clause_id: str
    clause_count: int = 0
    children: list[Section] = field(default_factory=list)


def _own_title(clause: Clause) -> bool:
    """Whether the last heading is the clause's own title ("10.鼓励企业吸纳高校毕业生。…")."""
    if len(clause.headings) < 2:
        return False
    title = clause.headings[-1]
    return title in clause.text[: len(title) + 12]


def section_path(clause: Clause) -> list[PathStep]:
    """The sections enclosing `clause`, outermost first, without the document.

    Untitled levels are missing from `headings`, so when the counts of labels and titles disagree
    the labels cannot be matched and are left empty.
    """
    titles = list(clause.headings[1:-1] if _own_title(clause) else clause.headings[1:])
    labels = list(clause.path[:-1])  # the last is the clause's own
    if len(labels) != len(titles):
        labels = [""] * len(titles)
    return [PathStep(label, title) for label, title in zip(labels, titles, strict=True)]


def document_clauses(clauses: Iterable[Clause], doc_id: str) -> list[Clause]:
    """The clauses of one document, in reading order."""
    return sorted((c for c in clauses if c.doc_id == doc_id), key=lambda c: c.order)


def document_outline(clauses: Sequence[Clause]) -> list[Section]:
    """The tree of sections over `clauses` (one document's, in reading order)."""
    root = Section("", "", "")
    nodes: dict[tuple[str, ...], Section] = {(): root}
    for clause in clauses:
        path = section_path(clause)
        for depth, step in enumerate(path, 1):
            key = tuple(s.title for s in path[:depth])
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = Section(step.label, step.title, clause.clause_id)
                nodes[key[:-1]].children.append(node)
            node.label = node.label or step.label
            node.clause_count += 1
    return root.children
