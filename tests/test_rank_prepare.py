"""rank.prepare works out ahead, for the clauses BM25 found, the columns of their feature rows that
need no question vector; the rerank then gives the same rows as when nothing was prepared."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.intent import question_kinds
from assistant.rank import _terms, features, prepare
from assistant.retrieve import make_query, retrieve

from .conftest import FakeEmbedder, small_index

LAW = """某某就业促进条例
第一条 对招用毕业年度高校毕业生的小微企业，给予每人1000元一次性吸纳就业补贴。
第二条 失业人员应当自失业之日起60日内到公共就业服务机构办理失业登记。
第三条 违反本条例规定的，由人力资源社会保障部门责令改正，处2000元罚款。
第四条 本条例自2021年1月1日起施行。
"""
QUESTION = "小微企业招用毕业生，补贴多少钱？"


def test_prepared_clauses_give_the_rows_the_rerank_works_out_itself(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = small_index(tmp_path, fake_embedder, {"law.txt": LAW})
    query = make_query(index, QUESTION)
    kinds = question_kinds(query.normal)
    hits = retrieve(index, query, top_k=4)
    fresh = features(index, query, hits, kinds, {}, {})
    index.derived.clear()  # the question's memo goes: prepare starts from nothing
    prepare(index, query, [hit.clause for hit in hits[:2]], kinds)
    own = _terms(index, query).own
    assert {key[0] for key in own} == {hit.clause.clause_id for hit in hits[:2]}  # done ahead, those only
    assert np.array_equal(features(index, query, hits, kinds, {}, {}), fresh)
