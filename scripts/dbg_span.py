import sys
from pathlib import Path

from assistant.answer import _segments, _span_score, candidates, rerank
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.retrieve import make_query, retrieve

index = load_index(Path(sys.argv[1]))
for q in sys.argv[2:]:
    query = make_query(index, q)
    kinds = question_kinds(query.normal)
    ranked = rerank(index, query, candidates(retrieve(index, query, top_k=50)), kinds)
    hit = ranked[0].hit
    print(q, kinds, hit.clause.section, hit.dense_span)
    for s, e in _segments(hit.clause.text):
        print(f"  {_span_score(index, query, hit, s, e, kinds):.3f} {hit.clause.text[s:e][:70]!r}")
