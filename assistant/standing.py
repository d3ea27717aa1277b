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

# Titles of texts about rules rather than rules: guides, explanations, Q&A, case collections.
# Not 解答 alone (最高人民法院关于…问题的解答 is binding) nor 指南 alone (办事指南 states procedure).
_COMMENTARY = re.compile(
    r"攻略|解读|问答|答问|答记者问|百问百答|一图读懂|图解|典型案例|案例(?:汇编|选编)|政策解析|知识问答"
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


def _ahead(document: DocumentInfo, today: str) -> bool:
    """A version that takes effect after `today` (ISO): it replaces nothing yet."""
    return bool(document.effective and document.effective > today)


def version_date(document: DocumentInfo) -> str | None:
    """The latest date a document records of itself (ISO, so they compare as text): a newer version
    of a law has a later adoption, amendment or start date, though its `effective` often repeats
    the original law's (公司法 2023: issued 2023-12-29, effective 2024-07-01; 2018: effective 2006)."""
    return max((d for d in (document.issued, document.amended, document.effective) if d), default=None)


@dataclass(frozen=True)
class Standing:
    """Documents that do not speak for the rule in force, by doc_id."""

    superseded: frozenset[str]  # an older version of a title (same place) the corpus also holds newer
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
