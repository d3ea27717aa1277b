"""Sort the misses of question sets into the kinds of failure they are, with counts (for tuning; not
part of the product).

Each answerable question that is not answered right, or out-of-scope one that is answered, falls in
one bucket: the retrieval never found the right clause among the reranked candidates, the reranker
had it in the top 5 but not first, the right clause came first but the span chosen in it was wrong,
or the question was refused (with the right clause first, in the top 5, or further). The fix for each
lies in a different stage, so the counts say where to work; --verbose prints each miss with its
bucket and, for rerank misses, which features put the first clause above the right one.

    python -m scripts.miss_buckets /tmp/s3-tune:../shared/eval/laws-tune.jsonl \
        /tmp/s3-own2:tests/data/laws-own2.jsonl:odd [--verbose]
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from assistant.answer import _fits, answer_question, rerank, search_candidates
from assistant.evaluate import _canon, read_questions
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.jurisdiction import question_places
from assistant.rank import FEATURES, WEIGHTS
from assistant.retrieve import make_query
from scripts.quality import cached_vectors, in_half, set_spec


def bucket(answered: bool, right_first: bool, right_rank: int | None, correct: bool) -> str | None:
    """The kind of failure of one answerable question (None when it is answered right): `right_first`
    whether the first citation is the right clause, `right_rank` where the reranker put it (None when
    it was not among the candidates), `correct` whether the answer holds the expected text."""
    if answered and right_first and correct:
        return None
    if not answered:
        if right_first:
            return "refused, right clause first"
        return "refused, right clause 2-5" if right_rank is not None and right_rank < 5 else "refused, right clause >5"
    if right_first:
        return "right clause first, wrong span"
    if right_rank is not None and right_rank < 5:
        return "rerank: right clause 2-5" + (" (answer right anyway)" if correct else "")
    return "retrieval: right clause >5" + (" (answer right anyway)" if correct else "")


def _holds(item: dict, text: str, title: str) -> bool:
    return any(_canon(s) in _canon(text) for s in item["spans"]) and (not item.get("doc") or item["doc"] in title)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="+", type=set_spec, help="INDEX_DIR:QUESTIONS.jsonl[:odd|:even]")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    for index_dir, path, half in args.sets:
        index = load_index(index_dir)
        items = in_half(read_questions(path), half)
        vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
        for item in items:
            answer = answer_question(index, item["question"], query_vector=vectors[item["question"]])
            if item.get("kind") == "oos":
                if answer.answered:
                    counts["out of scope answered"] += 1
                    if args.verbose:
                        print(f"== {item.get('id')} [out of scope answered] {item['question']}")
                continue
            query = make_query(index, item["question"].strip())
            asked = question_places(query.normal)
            fits = _fits(index, asked)
            kinds = question_kinds(query.normal)
            _, hits = search_candidates(index, query, asked, fits, query_vector=vectors[item["question"]])
            ranked = rerank(index, query, hits, kinds, fits)
            right = next(
                (i for i, c in enumerate(ranked) if _holds(item, c.hit.clause.text, c.hit.clause.doc_title)), None
            )
            first = answer.citations[0] if answer.citations else None
            right_first = first is not None and _holds(item, first.text, first.doc_title)
            correct = answer.answered and any(_canon(a) in _canon(answer.answer) for a in item["answer"])
            kind = bucket(answer.answered, right_first, right, correct)
            if kind is None:
                continue
            counts[kind] += 1
            if args.verbose:
                print(f"== {item.get('id')} [{kind}] {item['question']}")
                print(f"   want {item['answer']} got «{answer.answer[:80]}»")
                if kind.startswith("rerank") and right is not None:
                    diff = (np.array(ranked[0].features) - np.array(ranked[right].features)) * WEIGHTS
                    named = sorted(zip(FEATURES, diff, strict=True), key=lambda x: -abs(x[1]))
                    print("   first minus right:", " ".join(f"{n}={d:+.2f}" for n, d in named if abs(d) > 0.05))
    for kind, n in counts.most_common():
        print(f"{n:4d}  {kind}")


if __name__ == "__main__":
    main()
