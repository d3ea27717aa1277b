"""Where the right clause stands on each side of retrieval, for fitting fusion and rerank weights.

python -m scripts.ranks --index-dir /tmp/idx-tune ../shared/eval/laws-tune.jsonl
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from assistant.answer import candidates, rerank
from assistant.evaluate import _canon, read_questions
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.retrieve import make_query, retrieve
from scripts.quality import cached_vectors


def gold(item, clause) -> bool:
    text = _canon(clause.text)
    return any(_canon(s) in text for s in item.get("spans", []))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    index = load_index(args.index_dir)
    items = [i for i in read_questions(args.file) if i.get("kind") != "oos"]
    vectors = cached_vectors(index, [i["question"] for i in items], args.index_dir / "query-vectors.npz")
    buckets = {name: Counter() for name in ("lexical", "dense", "fused", "rerank")}
    for item in items:
        query = make_query(index, item["question"])
        hits = retrieve(index, query, top_k=50, query_vector=vectors[item["question"]])
        ranked = rerank(index, query, candidates(hits), question_kinds(query.normal))
        found = {"lexical": None, "dense": None, "fused": None, "rerank": None}
        for position, hit in enumerate(hits):
            if gold(item, hit.clause):
                found.update(lexical=hit.lexical_rank, dense=hit.dense_rank, fused=position)
                break
        for position, cand in enumerate(ranked):
            if gold(item, cand.hit.clause):
                found["rerank"] = position
                break
        for name, rank in found.items():
            key = (
                "none"
                if rank is None
                else ("1" if rank == 0 else "2-5" if rank < 5 else "6-20" if rank < 20 else ">20")
            )
            buckets[name][key] += 1
        if args.show:
            print(item["id"], found, item["question"])
    for name, counts in buckets.items():
        print(f"{name:8}", {k: counts[k] for k in ("1", "2-5", "6-20", ">20", "none")})


if __name__ == "__main__":
    main()
