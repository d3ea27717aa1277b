"""Conversations: follow-up questions resolved against the previous turn, kept server-side with a
bounded size and a time to live.

    chat = Chat(service)
    first = chat.send("创业场所租赁补贴小微企业每年多少？")          # a new conversation
    chat.send("个体工商户呢？", first.conversation_id).answer.resolved_question
    # '个体工商户的创业场所租赁补贴每年多少'

A message that leans on the previous one (an ellipsis "个体工商户呢？", "在广东呢？", "那截止到什么时候？",
a bare "能补几年？", a pronoun "这个补贴怎么申请？") is rewritten by rules into a standalone question
from the previous question and its topic, then answered as usual; anything else starts a new
topic. The rewrite is shown to the user (`resolved_question`), so a wrong guess is visible.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from cachetools import TTLCache

from .eligibility import ask_listing
from .errors import IndexMissing
from .index import ClauseIndex
from .intent import AMOUNT, DEADLINE, NUMBER, PERIOD, RATE, kind_spans, question_kinds
from .limits import MAX_QUESTION_CHARS
from .models import LOW, Answer
from .normalize import normalize
from .places import find_places, named_places
from .prompts import render
from .service import AnswerService

# 10,000 conversations of MAX_TURNS turns of 60-character questions take 16.6 MiB, under the stated
# bound of 20 MiB (tests/test_conversation.py measures
# it); a conversation idle for half an hour is over: people who come back later ask afresh.
MAX_CONVERSATIONS = 10_000
TTL_SECONDS = 30 * 60
MAX_TURNS = 4
MAX_ID_CHARS = 64
RESET_WORDS = frozenset({"新话题", "/new", "换个话题", "重新开始"})

# Where the asked-for part of a question starts ("每年多少", "能补几年", "什么时候截止").
_ASK = re.compile(
    r"(?:每年|每月|每人|每户|每个|一次性|最高|最长|最多|最低)?(?:是|有|能|可以|可)?"
    r"(?:多少|几|什么|啥|哪|怎么|怎样|如何|是否|能否|能不能|可不可以|谁|有没有|有无|吗|么)"
)
# Words that ask without naming anything ("能补几年": 能 + 补 + the ask): stripped, nothing is left.
_FILLER = re.compile(
    r"那么|那|还|都|又|再|就|也|能|可以|可|会|要|需要|得|应该|补|领|拿|享受|给|发|交|缴|申请|办理|截止到|截止|截至"
    r"|到|是|有|的|了|呢|啊|吧|请问|我想问|想问|一下|[，,。？?！!\s]"
)
# The one a follow-up names instead of the previous one: a group of people or of businesses.
_WHO = re.compile(
    r"(?:小微|中小微|中小|小型|微型|大型|中型|个体|高校|应届|登记|失业|就业困难|困难|零就业|退役|贫困|农村|城镇|外贸|零售"
    r"|餐饮|住宿|国有|民营|私营|外资|科技|创业|参保|在职|灵活就业|残疾|湖北籍|新|老)*"
    r"(?:企业|工商户|个体户|经营者|人员|毕业生|大学生|学生|农民工|军人|家庭|职工|员工|商户|老人|残疾人|儿童|妇女|青年"
    r"|贫困户|纳税人|市场主体|个人)"
)
_WHO_WORD = re.compile(r"(?:我是|我们是|如果是|对于|对)?(" + _WHO.pattern + ")")
# What a topic has rather than names: "标准是多少？", "贴息比例呢？" ask about the topic before.
_ATTRIBUTE = re.compile(
    r"补贴标准|标准|比例|金额|额度|期限|年限|条件|对象|范围|材料|流程|程序|手续|时间|上限|下限"
    r"|利率|贴息|费率|要求|资格|具体|多久"
)
_ELLIPSIS = re.compile(r"^(?:那么|那)?(.{1,24}?)(?:的)?(?:呢|怎么样|怎样|又如何|如何呢)$")
_PRONOUN = re.compile(
    r"(?:这个|这项|这些|此项|这种|(?<![应])该项?|它的|它)"
    r"(?:补贴|政策|措施|规定|资金|贷款|补助|奖励|待遇|优惠|事)?"
)
# What may end a subject but belongs to the ask: "失业补助金最长能领" -> "失业补助金".
_TRAILING_ASK = re.compile(
    r"(?:能|可以|可|会|要|需要|补|领|拿|享受|发|给|交|缴|是|有|还|都|最长|最高|最多|最低"
    r"|截止到|截止|截至|每年|每月|每人|每户|[，,的\s])+$"
)
_THEN = re.compile(r"^(?:那么|那)(?!个)")
_END = re.compile(r"[？?。！!\s]+$")


@dataclass(frozen=True)
class Turn:
    """What a conversation remembers of one exchange."""

    question: str  # as understood (the resolved question)
    clause_id: str | None  # the clause the answer cited; None when it abstained


@dataclass(frozen=True)
class ChatReply:
    answer: Answer
    conversation_id: str


def _ask_at(question: str) -> int:
    match = _ASK.search(question)
    return match.start() if match else len(question)


def _own_words(text: str) -> str:
    """What a message names besides asking: "能补几年" names nothing, "失业补助金最长多久" names 失业补助金."""
    return _FILLER.sub("", text[: _ask_at(text)])


def _only_attributes(text: str) -> bool:
    """ "标准是多少", "贴息比例": words of an attribute and of asking, nothing that names a subject."""
    return bool(_ATTRIBUTE.search(text)) and not _FILLER.sub("", _ATTRIBUTE.sub("", text[: _ask_at(text)]))


def topic(question: str) -> str:
    """The subject of a question without the part that asks: "个体工商户的创业场所租赁补贴每年多少" ->
    "个体工商户的创业场所租赁补贴"."""
    return _TRAILING_ASK.sub("", _END.sub("", question[: _ask_at(question)]))


def _who_words(text: str) -> list[str]:
    return [m.group() for m in _WHO.finditer(text)]


_BUSINESS = re.compile(r"(?:企业|工商户|个体户|经营者|商户|市场主体|纳税人)$")


def _swap_who(before: str, subject: str, named: str) -> str:
    """The previous question about `named` instead of the group it named: in place, or in front
    ("个体工商户的创业场所租赁补贴每年多少") when the group ended the subject."""
    olds = _who_words(before)
    same = [w for w in olds if bool(_BUSINESS.search(w)) == bool(_BUSINESS.search(named))]
    old = (same or olds or [""])[0]
    if not old:
        return f"{named}的{before}"
    if subject.endswith(old):
        return f"{named}的{before.replace(old, '', 1)}"
    return before.replace(old, named, 1)


def _without_places(question: str) -> str:
    # Each name as written: a district (张店区) is not its city's name (淄博).
    for name in dict.fromkeys(name for name, _ in named_places(question)):
        question = re.sub(rf"在?{re.escape(name)}(?:省|市|自治区)?的?", "", question)
    return question


def resolve(previous: str | None, message: str) -> str:
    """`message` as a standalone question, given the previous question as understood (None: none)."""
    text = _END.sub("", message.strip())
    if previous is None or not text:
        return message.strip()
    before = _END.sub("", previous.strip())
    subject = topic(before)
    ellipsis = _ELLIPSIS.match(text)
    if ellipsis:
        named = ellipsis.group(1).strip()
        if not _own_words(named):  # "那截止到什么时候呢": an ask, not a new subject
            return f"{subject}{_THEN.sub('', named)}"
        places = find_places(named)
        if places and len(_FILLER.sub("", re.sub(r"^在|省$|市$", "", named))) <= 4:
            return f"在{named.removeprefix('在')}{_without_places(before)}"
        who = _WHO_WORD.fullmatch(named)
        if who:
            return _swap_who(before, subject, who.group(1))
        if _only_attributes(named):  # "贴息比例呢": that of the same topic
            return f"{subject}的{_THEN.sub('', named)}"
        return f"{named}{before[_ask_at(before) :]}"  # another benefit, the same thing asked
    then = _THEN.match(text)
    rest = text[then.end() :] if then else text
    if not _own_words(rest) or _only_attributes(rest):  # "能补几年", "那截止到什么时候", "标准是多少"
        return f"{subject}{rest}"
    if _PRONOUN.search(rest) and subject:
        return _PRONOUN.sub(subject, rest, count=1)
    return message.strip()


# --- narrowing a span to the part a follow-up asks about -------------------------------------

_PART = re.compile(r"[，,、；;]")


def focus(index: ClauseIndex, answer: Answer) -> Answer:
    """The answer narrowed to the comma-separated part of its span that holds the fact asked about,
    when the span lists several ("小微企业每年每户5000元、个体工商户每年每户2500元…，期限2年") and the
    question names one of them; otherwise unchanged. Still a verbatim span of the same clause."""
    if not answer.answered or not answer.citations:
        return answer
    top = answer.citations[0]
    clause = index.clause(top.clause_id)
    if clause is None:
        return answer
    question = normalize(answer.resolved_question or answer.question)
    kind = next((k for k in question_kinds(question) if k in (AMOUNT, RATE, PERIOD, DEADLINE, NUMBER)), None)
    if kind is None:
        return answer
    start, end = top.answer_start, top.answer_end
    facts = [f for f in kind_spans(clause.facts, kind) if start <= f.start and f.end <= end]
    if kind in (PERIOD, DEADLINE):  # a period is not a date, nor a date a period
        of_kind = clause.facts.periods if kind == PERIOD else clause.facts.dates
        facts = [f for f in of_kind if start <= f.start and f.end <= end]
    if not facts:
        return answer
    cuts = [start] + [start + m.end() for m in _PART.finditer(clause.text[start:end])] + [end]
    parts = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]

    def part_of(offset: int) -> tuple[int, int]:
        return next((a, b) for a, b in parts if a <= offset < b)

    holding = list(dict.fromkeys(part_of(f.start) for f in facts))
    if len(holding) == 1:
        others = [
            f
            for f in clause.facts.amounts + clause.facts.rates + clause.facts.periods + clause.facts.dates
            if start <= f.start and f.end <= end and not holding[0][0] <= f.start < holding[0][1]
        ]
        if not others:  # the span states only this fact: it needs no narrowing
            return answer
        chosen = holding[0]
    else:
        who = _who_words(question)
        matching = [p for p in holding if any(w in clause.text[p[0] : p[1]] for w in who)]
        if len(matching) != 1:
            return answer
        chosen = matching[0]
    a, b = chosen
    while b > a and clause.text[b - 1] in "，,、；;。 ":
        b -= 1
    cited = replace(top, answer_start=a, answer_end=b)
    return replace(answer, answer=clause.text[a:b], citations=(cited, *answer.citations[1:]))


# --- the store --------------------------------------------------------------------------------


class ConversationStore:
    """Recent turns by conversation id, at most `max_conversations` of them, each forgotten
    `ttl_seconds` after its last message (and the least recently used first when full)."""

    def __init__(
        self,
        max_conversations: int = MAX_CONVERSATIONS,
        ttl_seconds: float = TTL_SECONDS,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self._turns: TTLCache[str, tuple[Turn, ...]] = TTLCache(
            max_conversations, ttl_seconds, timer=timer or time.monotonic
        )
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, conversation_id: str) -> tuple[Turn, ...] | None:
        with self._lock:
            return self._turns.get(conversation_id)

    def add(self, conversation_id: str, turn: Turn) -> None:
        with self._lock:
            turns = self._turns.get(conversation_id, ())
            self._turns[conversation_id] = (*turns, turn)[-MAX_TURNS:]

    def start(self, conversation_id: str) -> None:
        with self._lock:
            self._turns[conversation_id] = ()

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._turns.pop(conversation_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._turns.expire()
            return len(self._turns)


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def is_reset(message: str) -> bool:
    return _END.sub("", message.strip()) in RESET_WORDS


class Chat:
    """Answers messages in conversations: resolves follow-ups, lists items for eligibility
    questions, remembers the turns. `service` is an AnswerService or a callable returning the
    current one (it may be swapped by a reload)."""

    def __init__(
        self,
        service: AnswerService | Callable[[], AnswerService | None],
        store: ConversationStore | None = None,
        *,
        top_k: int = 5,
    ) -> None:
        self._service = service if callable(service) else (lambda: service)
        self.store = store if store is not None else ConversationStore()  # an empty store is falsy
        self.top_k = top_k

    def send(self, message: str, conversation_id: str | None = None, *, today: date | None = None) -> ChatReply:
        """Answer `message` in the conversation `conversation_id`; None, an unknown or an expired
        id starts a new conversation under a new id."""
        if conversation_id is None or self.store.get(conversation_id) is None:
            conversation_id = new_conversation_id()
            self.store.start(conversation_id)
        return ChatReply(self._answer(conversation_id, message, today), conversation_id)

    def send_as(
        self, key: str, message: str, *, today: date | None = None, service: AnswerService | None = None
    ) -> Answer:
        """Answer `message` in the conversation a front end keys itself (a Telegram chat, an OpenID);
        with `service`, the one the caller already looked up (one lookup a message)."""
        return self._answer(key, message, today, service)

    def service(self) -> AnswerService | None:
        """The service answering now; None while the app still loads it."""
        return self._service()

    def reset(self, key: str) -> None:
        self.store.forget(key)

    def _answer(self, key: str, message: str, today: date | None, service: AnswerService | None = None) -> Answer:
        message = message if isinstance(message, str) else ""
        if is_reset(message):
            self.store.start(key)
            return Answer(
                question=message,
                answered=False,
                answer="",
                citations=(),
                facts={},
                message=render("new_topic"),
                confidence=LOW,
                resolved_question=None,
            )
        turns = self.store.get(key) or ()
        previous = turns[-1].question if turns else None
        resolved = resolve(previous, message) if len(message.strip()) <= MAX_QUESTION_CHARS else message
        service = service or self._service()
        if service is None:
            raise IndexMissing("the index is still loading; ask again shortly")
        answer = ask_listing(service, resolved, top_k=self.top_k, today=today)
        answer = replace(answer, question=message, resolved_question=resolved.strip() or None)
        answer = focus(service.index, answer)
        if resolved.strip() and len(resolved.strip()) <= MAX_QUESTION_CHARS:
            clause = answer.citations[0].clause_id if answer.answered and answer.citations else None
            self.store.add(key, Turn(resolved.strip(), clause))
        return answer
