"""Rules restated lower down: a local rule that repeats a national article (or a city one its
province's) nearly word for word, and the search ranks it takes from the original.

Among the whole laws collection thirty provinces and cities restate one national article (提倡十八周岁
至五十五周岁的健康公民自愿献血; 学校不得分设重点班和非重点班). Their copies take the first BM25 and dense
places, the original comes to the reranker ranked far below them, and its rank features say it
matched worse, though it says the same. The jurisdiction fit (assistant/jurisdiction.py) already
prefers it; here it also keeps the best rank any of its copies in a less fitting document reached,
so the copies cannot outrank it by their number. Its fused score stays its own.

Among national texts of one fit the same holds upwards: a ministry's 办法 that repeats its law's
article (侵害消费者权益行为处罚办法 第十条 and 消费者权益保护法 第五十三条, 92 % of their bigrams) lends the
law its ranks, as does a State Council 条例 repeating a law; the law is where the rule comes from.

>>> near_copy("国家提倡十八周岁至五十五周岁的健康公民自愿献血。", "提倡十八周岁至五十五周岁的健康公民自愿献血。")
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from .models import Hit
from .normalize import normalize

# Share of the shorter clause's character bigrams the other holds for the two to count as one rule
# restated. Chosen on laws-tune over the whole collection (benchmarks/results/real-scale.md): 0.5
# and 0.6 answer one more question than without (0.609 -> 0.620), 0.4 none, 0.8 none; over laws-tune's,
# laws-dev's and the seed's own documents nothing changes.
NEAR_COPY = 0.6


# An article about its own document (为了…，制定本条例; 本法自…起施行): every law has one in nearly the
# same words, and it restates nothing of another's.
_ABOUT_ITSELF = re.compile(
    r"制定本(?:法|条例|办法|规定|细则|规则)|本(?:法|条例|办法|规定|细则|规则|决定)自.{0,24}(?:施行|生效)"
)
_ARTICLE_NUMBER = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+条\s*")


@lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    """The text's character bigrams; none for an article about its own document, which restates nothing."""
    if _ABOUT_ITSELF.search(text):
        return frozenset()
    normal = normalize(_ARTICLE_NUMBER.sub("", text))  # 第二条 is in every law's second article
    return frozenset(normal[i : i + 2] for i in range(len(normal) - 1))


def near_copy(a: str, b: str, share: float = NEAR_COPY) -> bool:
    """Whether two clause texts say nearly the same (bigram overlap over the shorter one's); an
    article about its own document never restates another."""
    grams_a, grams_b = _bigrams(a), _bigrams(b)
    if not grams_a or not grams_b:
        return False
    return len(grams_a & grams_b) / min(len(grams_a), len(grams_b)) >= share


def _better(own: int | None, other: int | None) -> int | None:
    if other is None:
        return own
    return other if own is None or other < own else own


# Who issued a national text decides where it stands when it says: the National People's Congress and
# its Standing Committee make laws (and decisions of a law's force), the State Council (政务院 before
# 1954, with the Central Military Commission for military rules) makes 行政法规, whatever their titles
# (女职工劳动保护特别规定, 社会救助暂行办法 are the State Council's); ministries' rules and the courts'
# interpretations stand below both. The laws collection names an issuer for 1,365 of its 1,502
# national texts.
_LAWMAKER = re.compile(r"全国人民代表大会")
_STATE_COUNCIL = re.compile(r"国务院|政务院|中央军")


def is_statute(title: str) -> bool:
    """A statute's title (…法), not a 办法's."""
    title = title.strip()
    return title.endswith("法") and not title.endswith("办法")


def authority(title: str, national: bool, issuer: str = "") -> int:
    """Where a national text stands among the nation's rules: a law (…法, or issued by the National
    People's Congress) 2, a State Council regulation (issued by it; without an issuer, a …条例) 1,
    anything else (a ministry's 办法 or 规定, a court's interpretation) 0. Local texts 0: their place's
    fit orders them."""
    title = title.strip()
    if not national:
        return 0
    if is_statute(title) or re.search(r"法典(?:.{1,6}编)?$", title):
        return 2  # 民法典 and its books (中华人民共和国民法典婚姻家庭编) are one law
    if issuer:
        return 2 if _LAWMAKER.search(issuer) else 1 if _STATE_COUNCIL.search(issuer) else 0
    return 1 if title.endswith("条例") else 0


def lift_restated(
    hits: Sequence[Hit], fits: Mapping[str, float], share: float = NEAR_COPY, ranks: Mapping[str, int] | None = None
) -> list[Hit]:
    """`hits` (of documents in `fits`) in their order, each with the best lexical and dense rank among
    itself and its near copies in documents that fit the question worse, or fit it as well and
    stand lower among the nation's rules (`ranks`, by doc_id: `authority`)."""
    ranks = ranks or {}
    levels = [(fits[hit.clause.doc_id], ranks.get(hit.clause.doc_id, 0)) for hit in hits]
    lowest = min(levels, default=(0.0, 0))
    out = []
    for hit, own_fit in zip(hits, levels, strict=True):
        if own_fit == lowest:  # no worse-fitting document to take ranks from (all of them, in one place's corpus)
            out.append(hit)
            continue
        lexical, dense = hit.lexical_rank, hit.dense_rank
        for other, level in zip(hits, levels, strict=True):
            gains = _better(lexical, other.lexical_rank) != lexical or _better(dense, other.dense_rank) != dense
            # compared only when it would lend a better rank: the texts' bigrams are the costly part
            if level < own_fit and gains and near_copy(hit.clause.text, other.clause.text, share):
                lexical, dense = _better(lexical, other.lexical_rank), _better(dense, other.dense_rank)
        changed = (lexical, dense) != (hit.lexical_rank, hit.dense_rank)
        out.append(replace(hit, lexical_rank=lexical, dense_rank=dense) if changed else hit)
    return out
