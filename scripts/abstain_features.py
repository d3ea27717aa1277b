"""Print the abstention features of the best candidate for every question of eval files (tuning aid)."""

import json
import sys
from pathlib import Path

from assistant.answer import rerank
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.retrieve import make_query, retrieve

index = load_index(Path("index"))
rows = []
for name in sys.argv[1:]:
    for line in open(name, encoding="utf-8"):
        item = json.loads(line)
        query = make_query(index, item["question"])
        kinds = question_kinds(query.normal)
        ranked = rerank(index, query, retrieve(index, query, top_k=20), kinds)
        top = ranked[0]
        rows.append((item["kind"] == "oos", top.hit.dense or 0, top.coverage, top.hit.lexical or 0, item["id"], item["question"]))
for oos, dense, cov, lex, qid, q in sorted(rows, key=lambda r: r[1]):
    print(f"{'OOS' if oos else '   '} dense {dense:.3f} cov {cov:.2f} lex {lex:5.2f} {qid} {q}")
