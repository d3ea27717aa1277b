"""Score the answer path on eval files with one loaded index and cached query vectors.

For fitting ranking weights and thresholds quickly: the index and the embedder load once, query
vectors are cached in the index directory, and every file is scored exactly as `policy-assistant
eval` scores it.

    python scripts/quality.py --index-dir /tmp/idx-tune ../shared/eval/laws-tune.jsonl [--misses]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import numpy as np

from assistant.answer import answer_question
from assistant.evaluate import read_questions, score
from assistant.index import load_index
from assistant.normalize import normalize


def cached_vectors(index, questions: list[str], cache: Path) -> dict[str, np.ndarray]:
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        data = np.load(cache)
        known = {key: data[key] for key in data.files}
    keys = {q: hashlib.sha1(normalize(q.strip()).encode()).hexdigest() for q in questions}
    missing = [q for q in questions if keys[q] not in known]
    if missing:
        vectors = index.embedder.embed_queries([normalize(q.strip()) for q in missing])
        for q, v in zip(missing, vectors, strict=True):
            known[keys[q]] = v
        np.savez(cache, **known)
    return {q: known[keys[q]] for q in questions}


def _asker(index, vectors: dict[str, np.ndarray]):
    def ask(item: dict) -> dict:
        question = item["question"]
        return answer_question(index, question, top_k=5, qid=item.get("id"), query_vector=vectors[question]).to_dict()

    return ask


def _number(qid: str) -> int:
    return int(re.sub(r"\D", "", qid) or 0)


def in_half(items: list[dict], half: str | None) -> list[dict]:
    """The questions with odd or even id numbers (all of them for None): the newer sets are fitted
    on their odd half and reported on the even one."""
    if half is None:
        return items
    return [i for i in items if _number(i.get("id", "")) % 2 == (half == "odd")]


def set_spec(spec: str) -> tuple[Path, Path, str | None]:
    """INDEX_DIR:QUESTIONS.jsonl[:odd|:even], as the fitting scripts take a set (for argparse's `type`)."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts) or (len(parts) == 3 and parts[2] not in ("odd", "even")):
        raise argparse.ArgumentTypeError(f"{spec!r}: expected INDEX_DIR:QUESTIONS.jsonl, optionally :odd or :even")
    return Path(parts[0]), Path(parts[1]), parts[2] if len(parts) == 3 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--ignore-doc", action="store_true", help="score the clause text alone")
    parser.add_argument(
        "--half",
        choices=("odd", "even"),
        help="only the questions with odd / even id numbers: the new sets are fitted on odd, reported on even",
    )
    args = parser.parse_args()
    index = load_index(args.index_dir)
    for path in args.files:
        items = read_questions(path)
        items = in_half(items, args.half)
        if args.ignore_doc:
            for item in items:
                item.pop("doc", None)
        vectors = cached_vectors(index, [i["question"] for i in items], args.index_dir / "query-vectors.npz")
        report = score(items, _asker(index, vectors))
        print(f"{path.name}: {report.summary()}")
        if args.misses:
            for line in report.misses:
                print("  miss:", line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
