"""Show how one question is retrieved, reranked and answered (for tuning; not part of the product)."""

import sys
from pathlib import Path

from assistant.answer import rerank
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.retrieve import make_query, retrieve
from assistant.segments import candidate_segments
from assistant.span import FEATURES, features, score_segments, select_span

index = load_index(Path(sys.argv[2]) if len(sys.argv) > 2 else Path("index"))
query = make_query(index, sys.argv[1])
kinds = question_kinds(query.normal)
print("tokens", query.tokens, "kinds", kinds)
hits = retrieve(index, query, top_k=20)
for c in rerank(index, query, hits, kinds)[:6]:
    h = c.hit
    print(
        f"{c.score:.3f} cov {c.coverage:.2f} fused {h.fused:.4f} lex {h.lexical} r{h.lexical_rank}",
        f"dense {h.dense} r{h.dense_rank} {h.clause.section}",
    )
top = rerank(index, query, hits, kinds)[0].hit
rows = features(index, query, top, candidate_segments(top.clause.text), kinds)
for ((s, e), score), row in zip(score_segments(index, query, top, kinds), rows, strict=True):
    named = " ".join(f"{n}={v:.2f}" for n, v in zip(FEATURES, row, strict=True) if v)
    print(f"   {score:.3f} {top.clause.text[s:e][:80]}\n      {named}")
s, e = select_span(index, query, top, kinds)
print("ANSWER", top.clause.text[s:e])
