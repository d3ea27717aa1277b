"""Words for lexical search: jieba in search mode with a user dictionary drawn from the corpus.

The dictionary holds the corpus's department names (市人力资源社会保障局) and programme names
(创业担保贷款, “齐鲁乡创”), so they stay whole; search mode still adds their parts as tokens.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .models import Clause
from .normalize import normalize

_PROGRAMME_HEADS = (
    "补贴",
    "贷款",
    "补助金",
    "补助",
    "保险金",
    "保险",
    "基金",
    "奖补",
    "资金",
    "奖励",
    "工程",
    "计划",
    "行动",
    "平台",
    "政策",
    "项目",
    "岗位",
    "费率",
    "标准",
)
_QUOTED = re.compile(r"[“\"]([\u4e00-\u9fff0-9]{2,10})[”\"]")
_BOOK = re.compile(r"《([^《》]{2,30})》")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
_TOKEN_OK = re.compile(r"(?=.*\w)[\w%.:]+")
_VERBS = (
    "给予",
    "发放",
    "按",
    "对",
    "实行",
    "加大",
    "加强",
    "加快",
    "做好",
    "推进",
    "落实",
    "完善",
    "提高",
    "及时",
    "享受",
    "支持",
    "争取",
    "用好",
    "建立",
    "健全",
    "强化",
    "优化",
    "扩大",
    "推动",
    "实施",
    "开展",
    "确保",
    "企业在",
)

STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 对 为 把 被 给 吗 呢 吧 啊 呀 嘛 么 么样 什么 怎么
    怎么样 怎样 如何 多少 几 哪 哪些 哪个 哪里 谁 能 能否 可以 可 要 会 有 没有 没 我
    你 他 她 它 我们 你们 他们 请问 一下 这个 那个 这些 那些 这 那 一些 是否 还 都 也
    就 又 才 以 等 其 之 中 上 下 里 到 从 让 按 按照 根据 进行 开展 相关 有关 关于
    方面 情况 问题 规定 一个 个 多 想 知道 请 咨询 问 下来 现在 今年 去年 要求 应当
    应该 需要 并 而 且 但 如果 若 则 即 已 已经 将 于 由 向 至 着 过 吧 哦 嗯 啥
    咋 呗 么 所 得 地 该""".split()
    # Question words: they say what is asked, not what about, and no clause contains them.
    + """几个 几个月 几月 几年 几天 几号 几成 多久 多长 多长时间 哪天 哪一天 何时 什么时候 怎么办 怎么样 是不是 能不能
    可不可以 有没有 会不会 要不要 多少钱 多大 多高 咋办 啥时候 怎么回事 吗 么""".split()
)


def _quiet_jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


_BASE_LOCK = threading.Lock()
_BASE: dict[str, Any] = {}


def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's own dictionary, loaded once per process.

    Every index build or reload makes a Tokenizer with its own user words; loading jieba's
    dictionary for each took 1.3 s idle and several seconds under load (the GIL), which made a hot
    reload late. Each Tokenizer starts from a copy of the one loaded here instead.
    """
    with _BASE_LOCK:
        if not _BASE:
            base = _quiet_jieba().Tokenizer()
            base.initialize()
            _BASE["freq"], _BASE["total"] = base.FREQ, base.total
        return _BASE["freq"], _BASE["total"]


def _first_token_ok(token: str) -> bool:
    return len(token) >= 2 and token not in STOPWORDS and not token.startswith(_VERBS)


def domain_terms(clauses: Iterable[Clause]) -> list[str]:
    """Department and programme names found in the corpus, for jieba's user dictionary."""
    plain = Tokenizer()._jieba  # jieba's own words from the copy loaded once, not its global default a second time

    terms: set[str] = set()
    heads: Counter[str] = Counter()
    for clause in clauses:
        for dept in clause.facts.departments:
            if 3 <= len(dept.name) <= 20 and _CJK_WORD.match(dept.name):
                terms.add(dept.name)
        text = normalize(clause.text)
        terms.update(m for m in _QUOTED.findall(text) if _CJK_WORD.match(m))
        words = [w for w in plain.lcut(text) if w.strip()]
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                if gram[-1] in _PROGRAMME_HEADS and _first_token_ok(gram[0]) and all(_CJK_WORD.match(w) for w in gram):
                    phrase = "".join(gram)
                    if 4 <= len(phrase) <= 10:
                        heads[phrase] += 1
    terms.update(phrase for phrase, n in heads.items() if n >= 2)
    return sorted(terms)


class Tokenizer:
    """jieba search-mode tokens over normalised text, without stopwords or punctuation.

    >>> tok = Tokenizer(["创业担保贷款"])
    >>> "创业担保贷款" in tok.tokens("創業擔保貸款最高多少")
    True
    """

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        jieba = _quiet_jieba()
        freq, total = _base_dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(freq), total
        self._jieba.initialized = True
        self._lock = threading.Lock()
        self.user_words = sorted(set(user_words))
        self._user_set = frozenset(self.user_words)
        for word in self.user_words:
            self._jieba.add_word(word, freq=2000)

    def tokens(self, text: str) -> list[str]:
        normal = normalize(text).lower()
        with self._lock:  # jieba's lazy initialisation is not thread-safe
            words = self._jieba.cut_for_search(normal)
            return [w for w in (w.strip() for w in words) if w and w not in STOPWORDS and _TOKEN_OK.fullmatch(w)]

    def save(self, path: Path) -> None:
        path.write_text("\n".join(self.user_words) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Tokenizer:
        return cls(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
