"""Which documents speak for the rule in force: the newest version among several of one title, and a
rule rather than a text about rules.

A large collection (the ~3,400 laws of ../shared/laws) holds the same law in several versions
(劳动合同法 of 2007 and of 2012, a city's 条例 before and after its revision) and a few texts that
explain rules without being one (a lawyer's 攻略 of labour arbitration, a 政策解读). Among all of
them a question is answered from the version in force, and from a rule before a guide that
paraphrases it: an older version says what the law no longer says, and a guide's example or
opinion ("如根据《上海市企业工资支付办法》…") is not the rule of the asker's place. A text that another in
force repeals by name (民法典: "《中华人民共和国婚姻法》、《中华人民共和国担保法》…同时废止"; 促进个体工商户发展条例:
《个体工商户条例》) no longer answers either, nor do the interpretations applying a law so repealed
(最高人民法院关于适用《中华人民共和国担保法》若干问题的解释): the laws collection holds 54 such texts.

>>> from assistant.models import DocumentInfo
>>> old = DocumentInfo("a#0", "中华人民共和国公司法", "a.txt", issued="2018-10-26", effective="2006-01-01")
>>> new = DocumentInfo("b#0", "中华人民共和国公司法", "b.txt", issued="2023-12-29", effective="2024-07-01")
>>> Standing.of([old, new]).superseded
frozenset({'a#0'})
>>> rule = DocumentInfo("c#0", "法律援助条例", "c.txt", issued="2003-07-21")
>>> law = DocumentInfo("d#0", "中华人民共和国法律援助法", "d.txt", issued="2021-08-20")
>>> Standing.of([rule, law]).superseded
frozenset({'c#0'})
>>> commentary("劳动仲裁和劳动诉讼的攻略")
True
>>> general_code("中华人民共和国民法典继承编")
True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .index import ClauseIndex
from .jurisdiction import LOCAL_UNASKED
from .models import DocumentInfo
from .restated import authority, is_statute

# Titles of texts about rules rather than rules: guides, explanations, Q&A, case collections, and a
# blank template for writing one up (the laws collection holds 法律法规模版, whose placeholder text
# matched questions by its words).
# Not 解答 alone (最高人民法院关于…问题的解答 is binding) nor 指南 alone (办事指南 states procedure).
_COMMENTARY = re.compile(
    r"攻略|解读|问答|答问|答记者问|百问百答|一图读懂|图解|典型案例|案例(?:汇编|选编)|政策解析|知识问答|模[版板]$"
)

# How far below the rules of its place a commentary text is ranked, in the units of the ranker's
# place feature (assistant/rank.py): one step, as far as a local rule stands below the national one
# for a question that names no place. It still answers where no rule does.
COMMENTARY_STEP = LOCAL_UNASKED


# How far below the laws and State Council regulations a ministry's rule or a court's interpretation
# of national force is ranked (restated.authority 0), in the same units. Less than a local rule's
# step: it applies everywhere, so it stands above another place's rule, but it is not where the rule
# comes from (上位法: 消费者权益保护法 before 侵害消费者权益行为处罚办法, 道路交通安全法 before 机动车驾驶证申领和使用
# 规定). Among the whole laws collection (pooled builds, benchmarks/results/real-scale.md) laws-tune
# answer .707 -> .717 at -1 (.728 at -1.5 to -5, laws-dev unchanged at every step), but over
# laws-own's own documents, where a ministry's 工资支付暂行规定 answers most wage questions, a local
# plan of the corpus's home place then outranks it: laws-own answer 57 -> 58 of 80 at -1 and -0.5,
# 57 at -1.5, 56 at -2, 54 at -3. By title alone (every national 规定 and 办法 below, the State
# Council's too) laws-dev among all laws fell .655 -> .621.
LOWER_STEP = -1.0

# How far below the other laws a code's books stand (民法典 and its 编, in the same units). A code
# states the general rule of its whole field; a law on the particular matter states the special one
# and answers first where both speak (特别法优于一般法: 老年人权益保障法 on a child's duty to support
# parents who gave up an inheritance, 妇女权益保障法 beside 婚姻家庭编, 不动产登记暂行条例 naming the
# registry's level where 物权编 names its place). Half a step, less than a ministry's rule: the code
# still stands above the ministries, the courts' interpretations and every local rule for a question
# naming no place, and answers wherever no special law does. Among the whole laws collection (pooled
# build) laws-tune answer .728 -> .750 (hit@1 .707 -> .739), the same at -1 and -2; over every set's
# own documents and laws-dev among all the laws nothing changes.
CODE_STEP = -0.5

# A code's title: 中华人民共和国民法典, one of its books (…婚姻家庭编) or its 总则 / 附则.
_CODE = re.compile(r"法典(?:.{0,8}(?:编|总则|附则))?$")


def general_code(title: str) -> bool:
    """Whether a national text's title names a code (法典) or one of its parts."""
    return bool(_CODE.search(title.strip()))


def commentary(title: str) -> bool:
    """Whether a document's title names a text about rules (攻略, 解读, 问答…) rather than a rule."""
    return bool(_COMMENTARY.search(title))


# A title a rule keeps from version to version (中华人民共和国公司法, 浙江省社会救助条例). Not a notice's or a
# decision's (关于做好2020年就业工作的通知, 关于修改部分地方性法规的决定): two of those with one title are
# two different documents, not an old and a new version of one.
_VERSIONED = re.compile(r"(?:法|法典|条例|规定|办法|细则|规则|章程|准则|解释)(?:[（(][^（()）]{1,16}[）)])*$")


def versioned(title: str) -> bool:
    """Whether documents with this title are versions of one rule (the newest in force answers)."""
    title = title.strip()
    return not title.startswith("关于") and bool(_VERSIONED.search(title))


# A national regulation (条例, 暂行条例) that a later law of the same subject replaced: the State
# Council's rule raised into a statute (法律援助条例 2003 -> 中华人民共和国法律援助法 2021, 印花税暂行条例 ->
# 印花税法, 学位条例 -> 学位法). The law is that rule's newer version, though its title changed form.
# Not an implementing regulation (…法实施条例), whose subject is the law itself.
_NATION_PREFIX = "中华人民共和国"
_RAISED_FORM = re.compile(r"(?:暂行)?条例$")


def _subject(title: str) -> str:
    """The subject a national law or regulation is about: its title without 中华人民共和国 and the form."""
    title = title.strip().removeprefix(_NATION_PREFIX)
    return title[:-1] if is_statute(title) else _RAISED_FORM.sub("", title)


def raised_into_law(regulation: DocumentInfo, law: DocumentInfo) -> bool:
    """Whether `law` is `regulation` raised into a statute: both national, one subject, the law later."""
    if regulation.province or law.province or not is_statute(law.title):
        return False
    if not _RAISED_FORM.search(regulation.title.strip()) or _subject(regulation.title) != _subject(law.title):
        return False
    # Older than every date the law records of itself: a regulation issued under the law (to carry
    # it out) and outlived by a later amendment of it was not replaced by it.
    last, first = version_date(regulation), _first_date(law)
    return bool(last and first and last < first)


def _ahead(document: DocumentInfo, today: str) -> bool:
    """A version that takes effect after `today` (ISO): it replaces nothing yet."""
    return bool(document.effective and document.effective > today)


def version_date(document: DocumentInfo) -> str | None:
    """The latest date a document records of itself (ISO, so they compare as text): a newer version
    of a law has a later adoption, amendment or start date, though its `effective` often repeats
    the original law's (公司法 2023: issued 2023-12-29, effective 2024-07-01; 2018: effective 2006)."""
    return max((d for d in (document.issued, document.amended, document.effective) if d), default=None)


def _national_laws(by_title: dict[tuple[str, str, str], list[DocumentInfo]], now: str) -> dict[str, DocumentInfo]:
    """By subject, the newest version in force of each national law (…法) among documents grouped by
    title and place."""
    laws = {}
    for (title, province, _), versions in by_title.items():
        in_force = [d for d in versions if not _ahead(d, now)]
        if not province and is_statute(title) and in_force:
            laws[_subject(title)] = max(in_force, key=lambda d: version_date(d) or "")
    return laws


# A text in force that says which texts it replaces: "《中华人民共和国婚姻法》、《中华人民共和国合同法》…同时
# 废止" (民法典), "1991年发布的《个体工商户条例》同时废止". The names stand together before the words
# that repeal them.
_REPEAL = re.compile(r"((?:《[^《》]{2,80}》[、，,和及与]?)+)[^。；;《》]{0,24}?(?:同时|即行|起)(?:废止|失效)")
_NAMED = re.compile(r"《([^《》]{2,80})》")


def repealed_names(text: str) -> list[str]:
    """The titles a clause repeals in so many words (同时废止, 起废止)."""
    return [name.strip() for m in _REPEAL.finditer(text) for name in _NAMED.findall(m.group(1))]


def _first_date(document: DocumentInfo) -> str | None:
    """The earliest date a document records of itself (a text amended since keeps the repeals it made
    when first adopted, and repeals nothing adopted after that; a law replaced no regulation issued
    after it was first made)."""
    return min((d for d in (document.issued, document.amended, document.effective) if d), default=None)


def _repealed(documents: list[DocumentInfo], repeals: Iterable[tuple[str, str]], old: set[str], now: str) -> set[str]:
    """Documents a text in force repealed: by title, of its own place and older than it was first
    adopted; and, for a national one, the texts that apply it by name (最高人民法院关于适用《中华人民共和国
    婚姻法》若干问题的解释), which lapse with it."""
    by_id = {d.doc_id: d for d in documents}
    by_name: dict[tuple[str, str, str], list[DocumentInfo]] = defaultdict(list)
    applying: dict[str, list[DocumentInfo]] = defaultdict(list)
    for document in documents:
        by_name[(document.title.strip(), document.province, document.city)].append(document)
        if not document.province:
            for name in _NAMED.findall(document.title):
                applying[name.strip()].append(document)
    gone: set[str] = set()
    for doc_id, name in repeals:
        repealer = by_id.get(doc_id)
        if repealer is None or doc_id in old or _ahead(repealer, now) or not (first := _first_date(repealer)):
            continue
        if name == repealer.title.strip():
            continue  # an earlier version of itself (工会法 1992 repealing 1950's): not its applying texts
        named = by_name.get((name, repealer.province, repealer.city), [])
        if not repealer.province:
            named = named + applying.get(name, [])
        gone.update(
            d.doc_id
            for d in named
            if d.doc_id != doc_id and d.title.strip() != repealer.title.strip() and (version_date(d) or first) < first
        )
    return gone


@dataclass(frozen=True)
class Standing:
    """Documents that do not speak for the rule in force, by doc_id."""

    # an older version of a title (same place) the corpus also holds newer, or a national regulation
    # a later law of its subject replaced
    superseded: frozenset[str]
    commentary: frozenset[str]  # a text about rules: ranked below them
    # a national text below the laws and State Council regulations (a ministry's rule, a court's
    # interpretation): ranked a LOWER_STEP below them
    lower: frozenset[str] = frozenset()
    # a code (民法典 and its books): the general law, a CODE_STEP below the laws on particular matters
    codes: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        documents: Iterable[DocumentInfo],
        today: date | None = None,
        repeals: Iterable[tuple[str, str]] = (),
    ) -> Standing:
        """`today` (default: today) decides which versions are in force: one that takes effect later
        does not yet replace the one before it. `repeals`: (doc_id, title) for each title a document
        says it repeals (`repealed_names` of its clauses)."""
        documents = list(documents)
        now = (today or date.today()).isoformat()
        by_title: dict[tuple[str, str, str], list[DocumentInfo]] = defaultdict(list)
        guides: set[str] = set()
        lower: set[str] = set()
        codes: set[str] = set()
        for document in documents:
            if versioned(document.title):
                by_title[(document.title, document.province, document.city)].append(document)
            if commentary(document.title):
                guides.add(document.doc_id)
            elif not document.province and authority(document.title, True, document.issuer) == 0:
                lower.add(document.doc_id)
            elif not document.province and general_code(document.title):
                codes.add(document.doc_id)
        old: set[str] = set()
        laws = _national_laws(by_title, now)
        for (title, province, _), versions in by_title.items():
            law = None if province else laws.get(_subject(title))
            if law is not None:
                old.update(d.doc_id for d in versions if raised_into_law(d, law))
        for versions in by_title.values():
            dated = [(day, d.doc_id) for d in versions if (day := version_date(d)) and not _ahead(d, now)]
            if len(dated) < 2:
                continue  # one version in force, or none can be ordered
            newest = max(day for day, _ in dated)
            old.update(doc for day, doc in dated if day < newest)  # copies of the newest all stand
        old.update(_repealed(documents, repeals, old, now))
        return cls(frozenset(old), frozenset(guides), frozenset(lower), frozenset(codes))

    def adjust(self, fits: dict[str, float]) -> dict[str, float]:
        """The jurisdiction fits (assistant/jurisdiction.py) without superseded versions, with
        commentary texts one COMMENTARY_STEP lower, national texts below the laws and State
        Council regulations one LOWER_STEP lower and a code's books one CODE_STEP lower."""
        return {doc: value + self._step(doc) for doc, value in fits.items() if doc not in self.superseded}

    def _step(self, doc: str) -> float:
        if doc in self.commentary:
            return COMMENTARY_STEP
        if doc in self.lower:
            return LOWER_STEP
        return CODE_STEP if doc in self.codes else 0.0


def standing(index: ClauseIndex) -> Standing:
    """The standing of an index's documents, worked out once per build: what answers use, and what
    `docs list` and the documents API show a reader (a superseded version is still there to read)."""
    return index.derive("standing", lambda i: Standing.of(i.documents, repeals=_repeals(i)))


def _repeals(index: ClauseIndex) -> list[tuple[str, str]]:
    return [
        (c.doc_id, name)
        for c in index.clauses
        if "废止" in c.text or "失效" in c.text
        for name in repealed_names(c.text)
    ]
