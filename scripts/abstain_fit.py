"""The best candidate's signals for answerable and out-of-scope questions, to fit the abstention policy:
its cosine, coverage, rank score and lead over the runner-up, and whether its answer span states the
kind of fact asked (typed_span, for AbstentionPolicy.typed).

python -m scripts.abstain_fit --set /tmp/idx-tune:../shared/eval/laws-tune.jsonl \
        --set /tmp/idx-seed:tests/data/paraphrase.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.answer import AbstentionPolicy, _fits, rerank, search_candidates
from assistant.evaluate import _canon, read_questions
from assistant.index import load_index
from assistant.intent import question_kinds, states_asked
from assistant.jurisdiction import question_places
from assistant.retrieve import make_query
from assistant.span import select_span
from scripts.quality import cached_vectors


def rows(index_dir: Path, path: Path):
    index = load_index(index_dir)
    items = read_questions(path)
    vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
    for item in items:
        query = make_query(index, item["question"])
        asked = question_places(query.normal)
        fits = _fits(index, asked)
        _, hits = search_candidates(index, query, asked, fits, query_vector=vectors[item["question"]])
        kinds = question_kinds(query.normal)
        ranked = rerank(index, query, hits, kinds, fits)
        if not ranked:
            continue
        best = ranked[0]
        clause = best.hit.clause
        typed = states_asked(clause.facts, clause.text, kinds, *select_span(index, query, best.hit, kinds))
        spans = [_canon(s) for s in item.get("spans", [])]
        right = any(s in _canon(best.hit.clause.text) for s in spans)
        margin = best.score - ranked[1].score if len(ranked) > 1 else 1.0
        yield item, ranked, best.hit.dense or 0.0, best.coverage, best.score, margin, right, bool(query.unnamed), typed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", required=True)
    args = parser.parse_args()
    policy = AbstentionPolicy()
    for spec in args.set:
        index_dir, path = spec.split(":", 1)
        for item, ranked, dense, cover, score, margin, right, unnamed, typed in rows(Path(index_dir), Path(path)):
            label = "OOS" if item.get("kind") == "oos" else ("ok " if right else "bad")
            print(
                f"{label} dense={dense:.3f} cov={cover:.3f} score={score:.2f} margin={margin:.2f} "
                f"supports={policy.supports(dense, cover, unnamed)} unnamed={unnamed} typed_span={typed} "
                f"supports_typed={policy.supports_typed(ranked, unnamed)} "
                f"{item['id']} {item['question'][:30]}"
            )


if __name__ == "__main__":
    main()
