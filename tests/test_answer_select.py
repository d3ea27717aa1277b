"""Answer selection without the model (assistant/answer.py, rank.py, span.py): sentences of a clause,
the span that holds the asked kind of fact, candidates kept for reranking, the abstention policy,
coverage and the linear ranking, and refusing a place no document applies to.

A tiny corpus is indexed once per module with the fake embedder from conftest; no model loads."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answer import AbstentionPolicy, answer_question, candidates
from assistant.facts import extract_facts
from assistant.index import ClauseIndex
from assistant.intent import Kind, question_kinds
from assistant.models import HIGH, LOW, MEDIUM, Clause, Hit
from assistant.rank import FEATURES, WEIGHTS, Candidate, coverage, rank
from assistant.retrieve import make_query
from assistant.segments import MAX_ANSWER_CHARS, segments
from assistant.span import select_span

from .conftest import small_index

PLAN = (
    "淄博市稳就业工作方案\n一、主要任务\n"
    "1.发放创业补贴。对符合条件的创业人员发放1.2万元一次性创业补贴。政策执行至2020年12月31日。"
    "（牵头单位和责任人：市人力资源社会保障局李勇）\n"
    "2.发放吸纳就业补贴。对吸纳高校毕业生的小微企业给予最高1000元一次性吸纳就业补贴，申请期限为6个月。"
    "（牵头单位和责任人：市人力资源社会保障局李勇）\n"
)
RULES = (
    "淄博市见习补贴管理办法\n第一章 总则\n第一条 为规范就业见习补贴管理，制定本办法。\n"
    "第二条 见习期限为3至6个月，见习补贴按每人每月1500元发放。\n第三条 本办法由市财政局负责解释。\n"
)

PERMISSIVE = AbstentionPolicy(steps=((-1.0, 0.0),))  # answers whatever ranks first


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("zibo"), shared_fake_embedder, {"plan.txt": PLAN, "rules.txt": RULES})


def _clause(index: ClauseIndex, needle: str) -> Clause:
    (clause,) = [c for c in index.clauses if needle in c.text]
    return clause


def _span(index: ClauseIndex, clause: Clause, question: str) -> str:
    query = make_query(index, question)
    start, end = select_span(index, query, Hit(clause, fused=1.0), question_kinds(query.normal))
    return clause.text[start:end]


# --- sentences -----------------------------------------------------------------------------------


def test_segments_split_at_sentence_ends_and_sub_items() -> None:
    text = "对象包括：（1）失业人员，（2）毕业生。按月发放；\n 具体见附件！"
    pieces = [text[s:e] for s, e in segments(text)]
    assert pieces == ["对象包括：", "（1）失业人员", "（2）毕业生", "按月发放", "具体见附件"]


def test_segments_drop_pieces_shorter_than_two_characters() -> None:
    assert [("甲乙。丙。丁戊"[s:e]) for s, e in segments("甲乙。丙。丁戊")] == ["甲乙", "丁戊"]
    assert segments("") == []
    assert segments("。；") == []


# --- the span that answers -------------------------------------------------------------------------


def test_a_deadline_question_picks_the_date_sentence(index: ClauseIndex) -> None:
    clause = _clause(index, "创业人员")
    assert _span(index, clause, "创业补贴政策执行到什么时候") == "政策执行至2020年12月31日"


def test_an_amount_question_picks_the_sum(index: ClauseIndex) -> None:
    clause = _clause(index, "创业人员")
    assert _span(index, clause, "创业补贴发多少钱") == "对符合条件的创业人员发放1.2万元一次性创业补贴"


def test_a_department_question_picks_the_responsibility_note(index: ClauseIndex) -> None:
    clause = _clause(index, "创业人员")
    assert _span(index, clause, "创业补贴哪个部门负责") == "牵头单位和责任人：市人力资源社会保障局李勇"


def test_the_note_is_never_the_answer_to_another_kind(index: ClauseIndex) -> None:
    clause = _clause(index, "高校毕业生")
    span = _span(index, clause, "吸纳就业补贴多少钱")
    assert "1000元" in span and "牵头单位" not in span


def test_a_department_without_a_note_is_the_named_department(index: ClauseIndex) -> None:
    clause = _clause(index, "负责解释")
    assert _span(index, clause, "本办法由哪个部门负责解释") == "市财政局"


_PIECES = st.sampled_from(
    [
        "对符合条件的创业人员发放1.2万元一次性创业补贴",
        "政策执行至2020年12月31日",
        "见习期限为3至6个月",
        "（牵头单位和责任人：市人力资源社会保障局李勇）",
        "（1）失业人员",
        "（2）高校毕业生",
        "加强宣传引导",
        "费率降低50%",
        "在15个工作日内办结",
        "申请人应当提交身份证明材料",
        "由县级人民政府负责",
        "，".join(["对吸纳就业的企业给予补贴"] * 14),  # a sentence over the limit, to be shrunk
    ]
)
_ENDS = st.sampled_from(["。", "；", "，", "", "\n", "！"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.tuples(_PIECES, _ENDS), min_size=1, max_size=6),
    question=st.sampled_from(
        ["创业补贴多少钱", "哪个部门负责", "什么时候截止", "要提交什么材料", "见习多久", "费率是多少", "有什么政策"]
    ),
)
def test_the_answer_is_always_a_verbatim_span_within_the_limit(index: ClauseIndex, parts, question: str) -> None:
    text = "".join(piece + end for piece, end in parts)
    clause = Clause("x", "plan", "文件", "《文件》1", (), text, extract_facts(text))
    query = make_query(index, question)
    start, end = select_span(index, query, Hit(clause, fused=1.0), question_kinds(query.normal))
    assert 0 <= start < end <= len(text)
    assert end - start <= MAX_ANSWER_CHARS
    assert text[start:end].strip() == text[start:end]  # no stray space at either end


def test_a_sentence_over_the_limit_is_shrunk_to_its_best_comma_parts(index: ClauseIndex) -> None:
    parts = [f"第{n}项对吸纳就业的企业给予补贴" for n in range(1, 13)] + ["见习补贴按每人每月1500元发放"]
    text = "，".join(parts) + "。"
    assert len(text) > MAX_ANSWER_CHARS
    clause = Clause("x", "rules", "文件", "《文件》1", (), text, extract_facts(text))
    span = _span(index, clause, "见习补贴每人每月多少钱")
    assert len(span) <= MAX_ANSWER_CHARS and span in text
    assert span.endswith("见习补贴按每人每月1500元发放")


# --- candidates kept for reranking -----------------------------------------------------------------


def _hit(name: str, lexical_rank: int | None, dense_rank: int | None) -> Hit:
    return Hit(Clause(name, "d", "文件", "", (), name), fused=0.0, lexical_rank=lexical_rank, dense_rank=dense_rank)


def test_candidates_keep_the_fused_top_and_the_top_of_each_side() -> None:
    hits = [_hit(f"h{i}", i, None) for i in range(4)] + [
        _hit("dense-first", None, 0),
        _hit("lexical-second", 1, 9),
        _hit("both-low", 5, 5),
        _hit("dense-third", None, 2),
        _hit("neither", None, None),
    ]
    kept = [h.clause.clause_id for h in candidates(hits, depth=4)]  # side = 2
    assert kept == ["h0", "h1", "h2", "h3", "dense-first", "lexical-second"]


def test_candidates_of_nothing() -> None:
    assert candidates([]) == []


# --- the abstention policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dense", "cover", "supported"),
    [
        (0.895, 0.0, True),
        (0.894, 0.0, False),
        (0.883, 0.1, True),
        (0.883, 0.09, False),
        (0.875, 0.35, True),
        (0.86, 0.5, True),
        (0.86, 0.49, False),
        (0.85, 0.8, True),
        (0.849, 1.0, False),
    ],
)
def test_supports_at_the_step_edges(dense: float, cover: float, supported: bool) -> None:
    assert AbstentionPolicy().supports(dense, cover) is supported


@pytest.mark.parametrize(
    ("dense", "cover", "related"),
    [(0.875, 0.0, True), (0.874, 0.0, False), (0.85, 0.3, True), (0.85, 0.29, False), (0.849, 1.0, False)],
)
def test_related_at_the_edges(dense: float, cover: float, related: bool) -> None:
    assert AbstentionPolicy().related(dense, cover) is related


def _candidate(dense: float, cover: float, score: float) -> Candidate:
    return Candidate(Hit(Clause("c", "d", "文件", "", (), "条文"), fused=0.0, dense=dense), score, cover)


@pytest.mark.parametrize(
    ("cosines", "shown"),
    [
        # The ranker's second clause is far in meaning (0.84, few words) but sits between two close
        # ones: shown in its place, not skipped.
        ((0.88, 0.84, 0.88), 3),
        ((0.84, 0.88, 0.84, 0.88, 0.84), 3),  # from the first close one to the last
        ((0.88, 0.84, 0.84), 1),  # nothing close after: the tail is left out
        ((0.84, 0.84), 0),  # nothing close at all
    ],
)
def test_a_refusal_shows_the_ranked_clauses_from_the_first_close_one_to_the_last(
    cosines: tuple[float, ...], shown: int
) -> None:
    ranked = [_candidate(cosine, 0.1, 5.0 - i) for i, cosine in enumerate(cosines)]
    first = next((i for i, cosine in enumerate(cosines) if cosine >= 0.875), 0)
    assert AbstentionPolicy().shown(ranked) == ranked[first : first + shown]


@pytest.mark.parametrize(
    ("ranked", "expected"),
    [
        ([_candidate(0.92, 0.8, 2.0), _candidate(0.9, 0.5, 1.0)], HIGH),
        ([_candidate(0.92, 0.8, 2.0)], HIGH),  # no runner-up: the lead counts as enough
        ([_candidate(0.92, 0.8, 2.0), _candidate(0.9, 0.5, 1.9)], MEDIUM),  # a close runner-up
        ([_candidate(0.92, 0.4, 2.0)], MEDIUM),  # under half the words
        ([_candidate(0.897, 0.0, 2.0)], LOW),  # a little less meaning would have been no answer
        ([_candidate(0.85, 0.4, 2.0)], None),
    ],
)
def test_confidence(ranked: list[Candidate], expected: str | None) -> None:
    assert AbstentionPolicy().confidence(ranked) == expected


@pytest.mark.parametrize(
    ("ranked", "supported"),
    [
        ([_candidate(0.857, 0.77, 3.0), _candidate(0.86, 0.5, 0.34)], True),  # leads by 2.66
        ([_candidate(0.862, 0.14, 2.0), _candidate(0.86, 0.5, 0.8)], True),  # one word or two is enough
        ([_candidate(0.871, 0.15, 2.0), _candidate(0.86, 0.5, 1.0)], False),  # a lead of 1.0 is no lead
        ([_candidate(0.881, 0.05, 5.0), _candidate(0.86, 0.5, 0.5)], False),  # hardly a word of the question
        ([_candidate(0.849, 0.8, 3.0), _candidate(0.84, 0.5, 0.0)], False),  # under the staircase's floor
        ([_candidate(0.86, 0.8, 3.0)], False),  # no runner-up to lead
    ],
)
def test_supports_typed(ranked: list[Candidate], supported: bool) -> None:
    assert AbstentionPolicy().supports_typed(ranked) is supported
    assert AbstentionPolicy(typed=None).supports_typed(ranked) is False


def test_supports_typed_needs_the_unnamed_words_share() -> None:
    ranked = [_candidate(0.87, 0.15, 3.0), _candidate(0.86, 0.5, 0.5)]
    assert AbstentionPolicy().supports_typed(ranked)
    assert not AbstentionPolicy().supports_typed(ranked, unnamed=True)


def test_a_missing_cosine_counts_as_zero() -> None:
    candidate = Candidate(Hit(Clause("c", "d", "文件", "", (), "条文"), fused=0.0, dense=None), 1.0, 1.0)
    assert AbstentionPolicy().confidence([candidate]) is None


# --- coverage and the linear ranking -----------------------------------------------------------------


def test_coverage_is_the_share_of_the_question_words(index: ClauseIndex) -> None:
    query = make_query(index, "见习补贴每人每月多少钱")
    # Words: 见习补贴 (part 见习), 每人, 每月; 多少 and 钱 say what is asked, not what about.
    assert coverage(index, query, "见习补贴每人每月") == pytest.approx(1.0)
    # Every word, but only one of the two pairs (每人每月, not 见习补贴每人) stands together.
    assert coverage(index, query, "见习补贴按每人每月1500元发放") == pytest.approx(0.85 + 0.15 / 2)
    assert coverage(index, query, "加强宣传引导") == 0.0
    partial = coverage(index, query, "见习每人每月")  # the compound only through its part: half credit
    assert 0.5 < partial < 0.85


def test_coverage_of_a_question_without_content_words(index: ClauseIndex) -> None:
    assert coverage(index, make_query(index, "请问是多少"), "见习补贴按每人每月1500元发放") == 0.0


def _row(**values: float) -> np.ndarray:
    row = np.zeros(len(FEATURES), dtype=np.float32)
    for name, value in values.items():
        row[FEATURES.index(name)] = value
    return row


def test_rank_orders_by_the_weighted_features() -> None:
    hits = [_hit("plain", None, None), _hit("covered", None, None), _hit("far", None, None)]
    rows = np.stack([_row(dense=0.9), _row(dense=0.9, coverage=1.0), _row(dense=0.9, dense_gap=0.2)])
    ranked = rank(hits, rows)
    assert [c.hit.clause.clause_id for c in ranked] == ["covered", "plain", "far"]
    weight = dict(zip(FEATURES, WEIGHTS.tolist(), strict=True))
    assert ranked[0].score == pytest.approx(0.9 * weight["dense"] + weight["coverage"], rel=1e-5)
    assert ranked[2].score == pytest.approx(0.9 * weight["dense"] + 0.2 * weight["dense_gap"], rel=1e-5)
    assert (ranked[0].coverage, ranked[1].coverage) == (1.0, 0.0)
    assert len(ranked[0].features) == len(FEATURES)


def test_rank_with_other_weights_and_with_nothing() -> None:
    hits = [_hit("a", None, None), _hit("b", None, None)]
    rows = np.stack([_row(recency=1.0), _row(place=1.0)])
    only_recency = np.zeros(len(FEATURES), dtype=np.float32)
    only_recency[FEATURES.index("recency")] = 1.0
    assert [c.hit.clause.clause_id for c in rank(hits, rows, only_recency)] == ["a", "b"]
    assert [c.hit.clause.clause_id for c in rank(hits, rows)] == ["b", "a"]  # place outweighs recency
    assert rank([], np.zeros((0, len(FEATURES)), dtype=np.float32)) == []


# --- places no document applies to --------------------------------------------------------------------


def test_a_question_about_beijing_is_refused_by_a_zibo_corpus(index: ClauseIndex) -> None:
    answer = answer_question(index, "北京市的见习补贴每人每月多少钱", today=date(2021, 1, 1), policy=PERMISSIVE)
    assert not answer.answered and answer.answer == ""
    assert "北京" in answer.message
    assert answer.citations == ()


def test_a_question_about_zibo_is_answered_from_its_documents(index: ClauseIndex) -> None:
    answer = answer_question(index, "淄博市见习补贴每人每月多少钱", today=date(2021, 1, 1), policy=PERMISSIVE)
    assert answer.answered and "1500元" in answer.answer
    assert answer.citations and all("淄博" in c.doc_title for c in answer.citations)


def test_the_answer_carries_its_validity_against_the_given_day(index: ClauseIndex) -> None:
    answer = answer_question(index, "创业补贴政策执行到什么时候", today=date(2021, 1, 1), policy=PERMISSIVE)
    assert answer.answered and answer.answer == "政策执行至2020年12月31日"
    assert answer.validity is not None and (answer.validity.status, answer.validity.until) == ("expired", "2020-12-31")
    before = answer_question(index, "创业补贴政策执行到什么时候", today=date(2020, 6, 1), policy=PERMISSIVE)
    assert before.validity is not None and before.validity.status == "in_force"


def test_kinds_used_in_these_tests() -> None:
    # The span tests above lean on these readings of the questions.
    assert question_kinds("创业补贴政策执行到什么时候") == (Kind.DEADLINE,)
    assert question_kinds("创业补贴哪个部门负责")[0] == Kind.DEPARTMENT
