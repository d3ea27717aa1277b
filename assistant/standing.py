"""Which documents speak for the rule in force: the newest version among several of one title, and a
rule rather than a text about rules.

A large collection (the ~3,400 laws of ../shared/laws) holds the same law in several versions
(劳动合同法 of 2007 and of 2012, a city's 条例 before and after its revision) and a few texts that
explain rules without being one (a lawyer's 攻略 of labour arbitration, a 政策解读). Among all of
them a question is answered from the version in force, and from a rule before a guide that
paraphrases it: an older version says what the law no longer says, and a guide's example or
opinion ("如根据《上海市企业工资支付办法》…") is not the rule of the asker's place.

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


def _is_law(title: str) -> bool:
    """A statute's title (…法), not a 办法's."""
    title = title.strip()
    return title.endswith("法") and not title.endswith("办法")


def _subject(title: str) -> str:
    """The subject a national law or regulation is about: its title without 中华人民共和国 and the form."""
    title = title.strip().removeprefix(_NATION_PREFIX)
    return title[:-1] if _is_law(title) else _RAISED_FORM.sub("", title)


def raised_into_law(regulation: DocumentInfo, law: DocumentInfo) -> bool:
    """Whether `law` is `regulation` raised into a statute: both national, one subject, the law later."""
    if regulation.province or law.province or not _is_law(law.title):
        return False
    if not _RAISED_FORM.search(regulation.title.strip()) or _subject(regulation.title) != _subject(law.title):
        return False
    # Older than every date the law records of itself: a regulation issued under the law (to carry
    # it out) and outlived by a later amendment of it was not replaced by it.
    last, first = (
        version_date(regulation),
        min((d for d in (law.issued, law.amended, law.effective) if d), default=None),
    )
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
        if not province and _is_law(title) and in_force:
            laws[_subject(title)] = max(in_force, key=lambda d: version_date(d) or "")
    return laws


@dataclass(frozen=True)
class Standing:
    """Documents that do not speak for the rule in force, by doc_id."""

    # an older version of a title (same place) the corpus also holds newer, or a national regulation
    # a later law of its subject replaced
    superseded: frozenset[str]
    commentary: frozenset[str]  # a text about rules: ranked below them

    @classmethod
    def of(cls, documents: Iterable[DocumentInfo], today: date | None = None) -> Standing:
        """`today` (default: today) decides which versions are in force: one that takes effect later
        does not yet replace the one before it."""
        now = (today or date.today()).isoformat()
        by_title: dict[tuple[str, str, str], list[DocumentInfo]] = defaultdict(list)
        guides: set[str] = set()
        for document in documents:
            if versioned(document.title):
                by_title[(document.title, document.province, document.city)].append(document)
            if commentary(document.title):
                guides.add(document.doc_id)
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
        return cls(frozenset(old), frozenset(guides))

    def adjust(self, fits: dict[str, float]) -> dict[str, float]:
        """The jurisdiction fits (assistant/jurisdiction.py) without superseded versions, and with
        commentary texts one COMMENTARY_STEP lower."""
        return {
            doc: value + COMMENTARY_STEP if doc in self.commentary else value
            for doc, value in fits.items()
            if doc not in self.superseded
        }


def standing(index: ClauseIndex) -> Standing:
    """The standing of an index's documents, worked out once per build: what answers use, and what
    `docs list` and the documents API show a reader (a superseded version is still there to read)."""
    return index.derive("standing", lambda i: Standing.of(i.documents))
