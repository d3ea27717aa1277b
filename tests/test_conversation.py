"""Conversations: follow-ups resolved by rules, lists for eligibility questions, POST /v1/chat, and
the bounded store. The answers come from the real service over the seed corpus."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.conversation import MAX_TURNS, ConversationStore, Turn, resolve, topic
from assistant.http import create_app
from assistant.service import AnswerService
from assistant.settings import HttpSettings

RENT_SMALL = "创业场所租赁补贴小微企业每年多少？"
GRADUATE = "我家孩子今年大学毕业，在淄博找工作有什么补贴？"


@pytest.mark.parametrize(
    ("previous", "message", "expected"),
    [
        (RENT_SMALL, "个体工商户呢？", "个体工商户的创业场所租赁补贴每年多少"),
        (RENT_SMALL, "那个体工商户呢？", "个体工商户的创业场所租赁补贴每年多少"),
        ("个体工商户的创业场所租赁补贴每年多少", "能补几年？", "个体工商户的创业场所租赁补贴能补几年"),
        ("个体工商户的创业场所租赁补贴能补几年", "那截止到什么时候？", "个体工商户的创业场所租赁补贴截止到什么时候"),
        (RENT_SMALL, "这个补贴谁负责？", "创业场所租赁补贴小微企业谁负责"),
        ("淄博市失业保险金标准是多少？", "在广东呢？", "在广东失业保险金标准是多少"),
        # A district is replaced as written, not left beside the new place (在广东张店区…).
        ("张店区失业保险金标准是多少？", "在广东呢？", "在广东失业保险金标准是多少"),
        ("淄博市失业保险金标准是多少？", "在张店区呢？", "在张店区失业保险金标准是多少"),
        (
            "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？",
            "大型企业呢？",
            "大型企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱",
        ),
        ("失业补助金最长能领几个月？", "退役军人呢？", "退役军人的失业补助金最长能领几个月"),
        (RENT_SMALL, "一次性创业补贴呢？", "一次性创业补贴每年多少"),
    ],
)
def test_follow_ups_become_standalone_questions(previous: str, message: str, expected: str) -> None:
    assert resolve(previous, message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "失业补助金最长能领几个月？",  # names its own subject: a new topic
        "稳外贸外资工作由哪些部门牵头？",
        "我开了个小饭馆，能享受哪些政策？",
        "那失业补助金最长能领几个月？",
    ],
)
def test_a_message_that_stands_on_its_own_does_not_inherit(message: str) -> None:
    resolved = resolve(RENT_SMALL, message)
    assert "租赁" not in resolved and "小微企业" not in resolved


def test_without_a_previous_turn_nothing_is_added() -> None:
    assert resolve(None, "个体工商户呢？") == "个体工商户呢？"
    assert topic("失业补助金最长能领几个月") == "失业补助金"


# --- through the API -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(seed_service: AnswerService) -> Iterator[TestClient]:
    with TestClient(create_app(seed_service, settings=HttpSettings(rate_limit=0))) as test_client:
        yield test_client


def _chat(client: TestClient, message: str, conversation_id: str | None = None) -> dict:
    response = client.post("/v1/chat", json={"message": message, "conversation_id": conversation_id})
    assert response.status_code == 200, response.text
    return response.json()


def _verbatim(answer: dict) -> None:
    top = answer["citations"][0]
    assert answer["answer"] == top["text"][top["answer_start"] : top["answer_end"]]


def test_the_rental_subsidy_conversation(client: TestClient) -> None:
    first = _chat(client, RENT_SMALL)
    cid = first["conversation_id"]
    assert first["answered"] and "5000元" in first["answer"] and "2500元" not in first["answer"]
    second = _chat(client, "个体工商户呢？", cid)
    assert second["conversation_id"] == cid
    assert second["resolved_question"] == "个体工商户的创业场所租赁补贴每年多少"
    assert "2500元" in second["answer"] and "5000元" not in second["answer"]
    third = _chat(client, "能补几年？", cid)
    assert third["answered"] and "2年" in third["answer"] and "元" not in third["answer"]
    for answer in (first, second, third):
        _verbatim(answer)
        assert "创业场所租赁补贴" in answer["citations"][0]["text"]
    assert first["citations"][0]["clause_id"] == third["citations"][0]["clause_id"]


def test_a_follow_up_in_a_new_conversation_knows_nothing(client: TestClient) -> None:
    alone = _chat(client, "个体工商户呢？")
    assert alone["resolved_question"] == "个体工商户呢？"


def test_two_conversations_do_not_mix(client: TestClient) -> None:
    rent = _chat(client, RENT_SMALL)
    jobless = _chat(client, "失业补助金最长能领几个月？")
    assert rent["conversation_id"] != jobless["conversation_id"]
    rent_next = _chat(client, "个体工商户呢？", rent["conversation_id"])
    jobless_next = _chat(client, "退役军人呢？", jobless["conversation_id"])
    assert "租赁" in rent_next["resolved_question"] and "失业补助金" not in rent_next["resolved_question"]
    assert "失业补助金" in jobless_next["resolved_question"] and "租赁" not in jobless_next["resolved_question"]


def test_an_unknown_or_expired_conversation_starts_afresh(client: TestClient) -> None:
    chat = client.app.state.chat
    now = [0.0]
    saved = chat.store
    chat.store = ConversationStore(ttl_seconds=60, timer=lambda: now[0])
    try:
        first = _chat(client, RENT_SMALL)
        now[0] = 61.0  # a minute later with nothing said: over
        later = _chat(client, "个体工商户呢？", first["conversation_id"])
        assert later["conversation_id"] != first["conversation_id"]
        assert later["resolved_question"] == "个体工商户呢？"
        unknown = _chat(client, RENT_SMALL, "no-such-conversation")
        assert unknown["conversation_id"] != "no-such-conversation" and unknown["answered"]
    finally:
        chat.store = saved


def test_new_topic_forgets_the_previous_question(client: TestClient) -> None:
    first = _chat(client, RENT_SMALL)
    reset = _chat(client, "新话题", first["conversation_id"])
    assert not reset["answered"] and reset["message"] and reset["conversation_id"] == first["conversation_id"]
    after = _chat(client, "个体工商户呢？", first["conversation_id"])
    assert after["resolved_question"] == "个体工商户呢？"


def test_an_eligibility_question_lists_what_applies(client: TestClient) -> None:
    answer = _chat(client, GRADUATE)
    items = answer["items"]
    clauses = {item["clause_id"] for item in items}
    assert len(clauses) == len(items) >= 3
    texts = {c["clause_id"]: c["text"] for c in answer["citations"]}
    for item in items:
        clause = client.get(f"/v1/clauses/{item['clause_id']}").json()
        assert item["answer"] == clause["text"][item["answer_start"] : item["answer_end"]]
        assert item["section"] and item["doc_title"] and "amounts" in item["facts"]
    joined = " ".join(item["answer"] for item in items)
    for benefit in ("一次性吸纳就业补贴", "社会保险补贴"):
        assert benefit in joined
    assert items[0]["clause_id"] == answer["citations"][0]["clause_id"] in texts
    assert len(answer["citations"]) == 5  # the answer's citations stay as /v1/ask gives them


def test_a_plain_question_gets_no_items_and_ask_stays_stateless(client: TestClient) -> None:
    assert _chat(client, "失业补助金最长能领几个月？")["items"] == []
    asked = client.post("/v1/ask", json={"question": "个体工商户呢？"}).json()
    assert "conversation_id" not in asked and asked["resolved_question"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 501},
        {"message": "问", "conversation_id": "x" * 65},
        {"message": "问", "extra": 1},
        {"conversation_id": None},
    ],
)
def test_bad_chat_input_is_a_422(client: TestClient, body: dict) -> None:
    response = client.post("/v1/chat", json=body)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


# --- the store ---------------------------------------------------------------------------------


def test_the_store_is_bounded_in_number_and_idle_time() -> None:
    now = [0.0]
    store = ConversationStore(max_conversations=3, ttl_seconds=10, timer=lambda: now[0])
    for key in "abcd":
        store.add(key, Turn("问题", None))
    assert store.get("a") is None and len(store) == 3  # the oldest made room
    for n in range(MAX_TURNS + 3):
        store.add("b", Turn(f"问题{n}", None))
    assert len(store.get("b") or ()) == MAX_TURNS
    now[0] = 11.0
    assert store.get("b") is None and len(store) == 0


def test_ten_thousand_conversations_stay_within_the_stated_bound() -> None:
    """The bound the README and conversation.py state: 10,000 full conversations under 20 MiB."""
    store = ConversationStore(max_conversations=10_000)
    question = "个体工商户的创业场所租赁补贴每年多少，" * 3  # 57 characters, longer than most questions
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(10_000):
        key = f"{n:032x}"
        for turn in range(MAX_TURNS):
            store.add(key, Turn(f"{question}{n}-{turn}", f"c{n:016x}"))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(store) == 10_000
    print(f"10,000 conversations x {MAX_TURNS} turns: {used / 2**20:.1f} MiB")
    assert used < 20 * 2**20


# --- the terminal ------------------------------------------------------------------------------


def test_the_chat_command_holds_a_conversation(
    seed_index_dir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from assistant.cli import main
    from assistant.prompts import render

    lines = [RENT_SMALL, "个体工商户呢？", "能补几年？", "/new", "个体工商户呢？", "/quit", "不会被问到"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat", "--index-dir", str(seed_index_dir)]) == 0
    turns = capsys.readouterr().out.split("问> ")[1:]
    assert len(turns) == 4 and "不会被问到" not in turns[-1]
    assert "5000元" in turns[0].split("出处")[0]
    assert "按“个体工商户的创业场所租赁补贴每年多少”理解" in turns[1] and "2500元" in turns[1].split("出处")[0]
    assert "2年" in turns[2].split("出处")[0]
    assert render("new_topic") in turns[2]  # /new is answered right after the third turn
    assert "按“" not in turns[3]


def test_the_number_of_conversations_is_a_setting(seed_service: AnswerService) -> None:
    settings = HttpSettings(rate_limit=0, chat_conversations=2)
    with TestClient(create_app(seed_service, settings=settings)) as small:
        first = _chat(small, RENT_SMALL)
        for _ in range(2):  # two newer conversations push the first out
            _chat(small, "失业补助金最长能领几个月？")
        later = _chat(small, "个体工商户呢？", first["conversation_id"])
    assert later["conversation_id"] != first["conversation_id"] and later["resolved_question"] == "个体工商户呢？"


@pytest.mark.parametrize(
    ("previous", "message", "expected"),
    [
        ("失业补助金最长能领几个月？", "标准是多少？", "失业补助金标准是多少"),
        ("创业担保贷款最高多少？", "贴息比例呢？", "创业担保贷款的贴息比例"),
    ],
)
def test_an_attribute_alone_asks_about_the_topic_before(previous: str, message: str, expected: str) -> None:
    assert resolve(previous, message) == expected


def test_a_deadline_follow_up_gets_the_date_part_of_the_span(client: TestClient) -> None:
    first = _chat(client, "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？")
    when = _chat(client, "截止到什么时候？", first["conversation_id"])
    assert when["answer"] == "2020年3月11日至12月31日"
    _verbatim(when)
