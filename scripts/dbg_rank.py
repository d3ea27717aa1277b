import sys
from pathlib import Path

from assistant.answer import AbstentionPolicy, candidates, rerank
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.retrieve import make_query, retrieve

index = load_index(Path(sys.argv[1]))
for q in sys.argv[2:]:
    query = make_query(index, q)
    kinds = question_kinds(query.normal)
    hits = candidates(retrieve(index, query, top_k=50))
    ranked = rerank(index, query, hits, kinds)
    print(q, kinds, query.tokens, query.expansions)
    for c in ranked[:4]:
        print(f"  {c.score:.3f} dense={c.hit.dense} cov={c.coverage:.3f} {c.hit.clause.section} {c.hit.clause.text[:60]!r}")
        print("     ", [round(x,3) for x in c.features])
    print("  confidence", AbstentionPolicy().confidence(ranked))
