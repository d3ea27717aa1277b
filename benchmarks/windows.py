"""Fixed-size character windows over each document: the chunking a plain RAG recipe uses.

A document's text is its clauses' texts in reading order, one per line, as the project's reader
and repair stages produce them (the baselines get the same clean text as the product; only the
clause structure is thrown away). A window belongs to one document, so the evaluation's document
title check applies to the window's document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Clause, DocumentInfo

WINDOW_CHARS = 300
OVERLAP_CHARS = 50


@dataclass(frozen=True)
class Window:
    doc_id: str
    doc_title: str
    start: int  # offset in the document text
    text: str


def split_windows(text: str, size: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS) -> list[tuple[int, str]]:
    """(start, text) windows of `size` characters, each starting `size - overlap` after the last;
    the last window ends at the text's end (it may be shorter)."""
    if size <= overlap:
        raise ValueError("the window must be longer than its overlap")
    step = size - overlap
    windows = []
    start = 0
    while True:
        windows.append((start, text[start : start + size]))
        if start + size >= len(text):
            break
        start += step
    return [(s, t) for s, t in windows if t.strip()]


def document_texts(documents: Iterable[DocumentInfo], clauses: Iterable[Clause]) -> dict[str, str]:
    """Each document's text: its clauses in reading order, one per line."""
    parts: dict[str, list[str]] = {d.doc_id: [] for d in documents}
    for clause in sorted(clauses, key=lambda c: c.order):
        parts.setdefault(clause.doc_id, []).append(clause.text)
    return {doc_id: "\n".join(texts) for doc_id, texts in parts.items() if texts}


def corpus_windows(
    documents: Iterable[DocumentInfo], clauses: Iterable[Clause], size: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Window]:
    documents = list(documents)
    titles = {d.doc_id: d.title for d in documents}
    windows = []
    for doc_id, text in document_texts(documents, clauses).items():
        windows.extend(Window(doc_id, titles.get(doc_id, ""), s, t) for s, t in split_windows(text, size, overlap))
    return windows
