"""Check a question set against the corpus it is written for, before anyone scores with it.

Usage: python scripts/check_questions.py tests/data/laws-own.jsonl /tmp/laws-own-corpus

Each answerable question must name, in `doc`, the title on the first line of one corpus file; each
span must be 10-60 characters, occur once in the whole corpus and lie inside one article (第X条) of
that file; each answer must lie inside one of its spans. Out-of-scope questions carry no doc, spans or
answer. Text is compared the way the scorer compares it: NFKC, all whitespace removed.
Exit status 1 when any question fails, so the check can guard a commit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import opencc

KINDS = {"amount", "rate", "deadline", "period", "eligibility", "department", "procedure", "oos"}
ARTICLE = re.compile(r"(?m)^[ \t\u3000]*第[一二三四五六七八九十百零〇两\d]+条")
# Places the local rules cover; a question naming one of them is a "place" question.
PLACES = ("广东", "廣東", "广州", "深圳", "东莞", "佛山", "河南", "郑州", "鄭州", "洛阳")


def normalise(text: str) -> str:
    """The scorer's comparison form: NFKC with every whitespace character removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class CorpusFile:
    name: str
    title: str
    text: str  # normalised
    articles: tuple[str, ...]  # normalised text of each 第X条, in order


def read_corpus(folder: Path) -> list[CorpusFile]:
    files = []
    for path in sorted(folder.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        title = next((line.strip() for line in raw.splitlines() if line.strip()), "")
        starts = [m.start() for m in ARTICLE.finditer(raw)] + [len(raw)]
        articles = tuple(normalise(raw[a:b]) for a, b in pairwise(starts))
        files.append(CorpusFile(path.name, title, normalise(raw), articles))
    return files


def check(question: dict, corpus: list[CorpusFile]) -> list[str]:
    """Every problem with one question, as messages; empty when it is sound."""
    problems = []
    missing = {"id", "question", "kind", "doc", "spans", "answer"} - question.keys()
    if missing:
        return [f"missing keys {sorted(missing)}"]
    if question["kind"] not in KINDS:
        problems.append(f"unknown kind {question['kind']!r}")
    if question["kind"] == "oos":
        if question["doc"] or question["spans"] or question["answer"]:
            problems.append("an out-of-scope question carries doc, spans or answer")
        return problems
    owners = [f for f in corpus if f.title == question["doc"]]
    if len(owners) != 1:
        return problems + [f"doc {question['doc']!r} is the title of {len(owners)} files"]
    owner = owners[0]
    spans = [normalise(s) for s in question["spans"]]
    if not spans:
        problems.append("no spans")
    for span in spans:
        if not 10 <= len(span) <= 60:
            problems.append(f"span of {len(span)} characters: {span}")
        if span not in owner.text:
            problems.append(f"span not in {owner.name}: {span}")
            continue
        elsewhere = sum(f.text.count(span) for f in corpus)
        if elsewhere != 1:
            problems.append(f"span occurs {elsewhere} times in the corpus: {span}")
        if not any(span in article for article in owner.articles):
            problems.append(f"span crosses an article boundary: {span}")
    for answer in question["answer"]:
        if not any(normalise(answer) in span for span in spans):
            problems.append(f"answer {answer!r} is in no span")
    if not question["answer"]:
        problems.append("no answer")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args()
    corpus = read_corpus(args.corpus)
    failed = 0
    questions = []
    for number, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), 1):
        try:
            question = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"line {number}: not JSON ({error})")
            failed += 1
            continue
        questions.append(question)
        for problem in check(question, corpus):
            print(f"{question.get('id', f'line {number}')}: {problem}")
            failed += 1
    ids = Counter(q.get("id") for q in questions)
    texts = Counter(q.get("question") for q in questions)
    for value, count in [*ids.items(), *texts.items()]:
        if count > 1:
            print(f"repeated {count} times: {value}")
            failed += 1
    kinds = Counter(q.get("kind") for q in questions)
    placed = sum(any(p in q.get("question", "") for p in PLACES) for q in questions)
    to_simplified = opencc.OpenCC("t2s")
    traditional = sum(to_simplified.convert(q.get("question", "")) != q.get("question", "") for q in questions)
    docs = Counter(q.get("doc") for q in questions if q.get("doc"))
    print(f"{len(questions)} questions; kinds {dict(sorted(kinds.items()))}")
    print(f"naming a place: {placed}; traditional script: {traditional}; documents: {len(docs)}")
    print("problems: " + (str(failed) if failed else "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
