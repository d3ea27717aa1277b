"""Propose everyday-word -> official-term pairs for assistant/lexicon/colloquial.tsv from word vectors.

A development tool, not shipped. It trains vectors on the real laws (jieba precise-mode tokens of
../shared/laws/texts/*.txt, frequent collocations joined by gensim Phrases so 最低生活保障 and
解除劳动合同 become one token) and prints, for a curated list of everyday words, the nearest tokens
that are frequent in the laws (the official vocabulary), and for frequent official terms, the
everyday words of the list closest to them. word2vec places only words the laws use; fastText
(--vectors fasttext) also places words they never use, from their characters (工伤险 -> 工伤保险),
at the price of neighbours that merely share a character (薪水 -> 蓄水). A person reviews the
printout; only pairs where the official term is what people mean, for words the laws themselves
rarely use (marked otherwise with '='), go into the table.

The everyday list is written from general knowledge of how people talk about benefits, work and daily
life, never from the evaluation questions: picking words from those would tune the table on the test.

    nice -n 5 python -m scripts.vocabulary [--vectors word2vec|fasttext] [--cache /tmp/vocab]

Needs the `vocab` extra (gensim). Tokenising takes ~2 min, phrases ~1 min, word2vec ~5 min and
fastText ~2 min on two busy cores. Tokens and models are cached under --cache, never committed.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

from assistant.tokenizer import STOPWORDS

# Everyday words people use, by topic. Written from general knowledge of spoken Chinese about these
# topics; some are rare or absent in legal text, which is the point: the printout says which.
EVERYDAY: dict[str, tuple[str, ...]] = {
    k: tuple(v.split())
    for k, v in {
        "benefits": "失业金 低保 低保金 救济 救济金 补助 补贴 困难补助 抚恤金 丧葬费 养老金 退休金 生活费 "
        "救助金 慰问金 助学金 残疾补贴 高龄补贴",
        "insurance": "社保 医保 农保 新农合 工伤险 生育险 养老险 医疗险 失业险 保费 交保险 断保 停保 续保 "
        "理赔 报销 大病 保单",
        "employers": "老板 公司 单位 厂子 工厂 厂里 东家 雇主 包工头 工头 老总 企业主 中介 人事 上级",
        "workers": "员工 工人 打工的 打工 民工 农民工 临时工 小时工 学徒 实习生 保安 保姆 司机 上班 "
        "下班 辞职 辞退 开除 炒鱿鱼 跳槽 工钱 薪水 工资 奖金 提成 加班 加班费 夜班 倒班 "
        "请假 病假 年假 工龄 合同工 包吃住 押金",
        "family": "老婆 老公 媳妇 丈夫 妻子 爸妈 父母 爹妈 孩子 小孩 儿子 女儿 老人 离婚 结婚 领证 "
        "彩礼 嫁妆 抚养费 赡养 分家 遗产 继承 收养 二胎 怀孕 坐月子 家暴 亲戚 监护",
        "housing": "房子 房东 租客 房租 押金 中介费 物业 物业费 业主 小区 装修 拆迁 拆迁款 宅基地 盖房 "
        "房产证 过户 首付 房贷 公积金 违建 漏水 邻居",
        "consumers": "商家 店家 卖家 买家 顾客 网购 退货 退款 换货 假货 山寨 坑人 宰客 缺斤少两 发票 "
        "小票 保修 售后 质量问题 过期 霸王条款 会员卡 预付卡 充值卡 快递 外卖 差评",
        "traffic": "开车 司机 撞车 撞人 追尾 车祸 酒驾 醉驾 超速 闯红灯 逆行 违停 扣分 罚单 驾照 "
        "行驶证 车牌 电动车 摩托车 过路费 高速 肇事 逃逸 交警",
        "procedures": "办证 办手续 盖章 证明 开证明 审批 登记 申请 排队 窗口 跑腿 材料 投诉 举报 告状 "
        "打官司 起诉 上诉 仲裁 调解 律师 法院 派出所 报警 立案 赔偿 罚款 交罚款 复议 上访 "
        "信访 户口 身份证 营业执照",
        "money": "钱 工钱 欠钱 借钱 还钱 欠债 利息 高利贷 贷款 罚金 押金 定金 订金 退钱 赔钱 补钱 "
        "交钱 税 交税 退税 个税 收费 乱收费 费用 回扣 红包",
        "time": "多久 多长时间 期限 过期 到期 延期 推迟 晚交 逾期 补交 提前 截止 马上 立刻 当天 月底 年底 工作日",
    }.items()
}

# Official terms to read in the other direction (which everyday words lie close to them). A term is
# kept only if the corpus has it as one token; the printout says which are missing.
OFFICIAL: tuple[str, ...] = (
    "用人单位",
    "劳动者",
    "劳动合同",
    "解除劳动合同",
    "经济补偿",
    "劳动报酬",
    "社会保险",
    "社会保险费",
    "失业保险金",
    "基本养老保险",
    "基本医疗保险",
    "工伤保险",
    "生育保险",
    "住房公积金",
    "最低生活保障",
    "特困人员",
    "经营者",
    "消费者",
    "配偶",
    "近亲属",
    "监护人",
    "未成年人",
    "抚养费",
    "赡养费",
    "机动车",
    "驾驶人",
    "交通事故",
    "行政复议",
    "行政诉讼",
    "人民法院",
    "劳动争议",
    "滞纳金",
    "缓缴",
    "补缴",
    "不动产",
    "出租人",
    "承租人",
)

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_SENTENCE_END = re.compile(r"[。；！？\n]+")


@dataclass(frozen=True)
class Proposal:
    """One candidate row: an everyday word, an official term near it, and how near and how common."""

    word: str
    term: str
    similarity: float
    term_count: int


def sentences(text: str, cut) -> Iterator[list[str]]:
    """Chinese-character tokens of each sentence; numbers, Latin and punctuation are dropped."""
    for sentence in _SENTENCE_END.split(unicodedata.normalize("NFKC", text)):
        words = [w for w in cut(sentence) if _CJK.match(w)]
        if len(words) >= 2:
            yield words


def _tokenise_file(path: Path) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    text = path.read_text(encoding="utf-8", errors="replace")
    return [" ".join(words) for words in sentences(text, jieba.lcut)]


def tokenise_corpus(texts: Sequence[Path], out: Path, processes: int = 2) -> None:
    """One sentence a line, tokens separated by spaces: the form gensim's corpus_file mode reads."""
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as sink, Pool(processes) as pool:
        for lines in pool.imap(_tokenise_file, texts, chunksize=16):
            sink.writelines(line + "\n" for line in lines)
    tmp.replace(out)


def _lines(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as source:
        for line in source:
            yield line.split()


def join_phrases(tokens: Path, out: Path, passes: int = 2) -> None:
    """Join frequent collocations (two passes: 最低 生活 保障 -> 最低生活 保障 -> 最低生活保障)."""
    from gensim.models.phrases import Phrases

    source = tokens
    for n in range(passes):
        model = Phrases(_lines(source), min_count=20, threshold=20.0).freeze()
        target = out.with_suffix(f".pass{n}")
        with target.open("w", encoding="utf-8") as sink:
            for words in _lines(source):
                # gensim joins with "_"; dropped so a phrase reads as the word itself (失业保险金)
                sink.write(" ".join(w.replace("_", "") for w in model[words]) + "\n")
        if source != tokens:
            source.unlink()
        source = target
    source.replace(out)


def train(corpus: Path, model_path: Path, kind: str = "word2vec", workers: int = 2):
    """Vectors over the phrased corpus. word2vec: skip-gram, because everyday words are rare in law.
    fasttext: CBOW over words and their 1-3 character n-grams, so a word the laws never use (工伤险)
    still gets a vector from its characters and lands near the term that shares them (工伤保险);
    CBOW because character n-grams make skip-gram several times slower on two cores."""
    from gensim.models import FastText, Word2Vec

    if kind == "fasttext":
        model = FastText(
            corpus_file=str(corpus),
            vector_size=100,
            window=5,
            min_count=5,
            sg=0,
            negative=5,
            min_n=1,
            max_n=3,
            bucket=500_000,
            epochs=5,
            workers=workers,
            seed=13,
        )
    else:
        model = Word2Vec(
            corpus_file=str(corpus),
            vector_size=100,
            window=5,
            min_count=5,
            sg=1,
            negative=5,
            epochs=5,
            workers=workers,
            seed=13,
        )
    model.wv.save(str(model_path))
    return model.wv


def is_official(term: str, word: str, count: int, min_count: int) -> bool:
    """A term worth proposing: a real word of the laws, frequent there, and not merely part of the
    everyday word (失业金 -> 失业 would add nothing BM25 does not already match)."""
    return (
        count >= min_count
        and len(term) >= 2
        and bool(_CJK.match(term))
        and term not in STOPWORDS
        and term != word
        and term not in word
    )


def known(vectors, word: str) -> bool:
    """Whether the vectors can place the word: word2vec only if the laws use it, fastText always
    (from its characters)."""
    from gensim.models.fasttext import FastTextKeyedVectors

    return word in vectors.key_to_index or isinstance(vectors, FastTextKeyedVectors)


def count_of(vectors, word: str) -> int:
    return int(vectors.get_vecattr(word, "count")) if word in vectors.key_to_index else 0


def propose(vectors, word: str, topn: int = 8, min_similarity: float = 0.5, min_count: int = 100) -> list[Proposal]:
    """The official terms nearest an everyday word, best first; [] when the vectors cannot place it."""
    if not known(vectors, word):
        return []
    found = []
    for term, similarity in vectors.most_similar(word, topn=topn * 10):
        count = int(vectors.get_vecattr(term, "count"))
        if similarity >= min_similarity and is_official(term, word, count, min_count):
            found.append(Proposal(word, term, round(float(similarity), 3), count))
        if len(found) == topn:
            break
    return found


def everyday_near(
    vectors, term: str, words: Iterable[str], topn: int = 5, min_similarity: float = 0.45
) -> list[Proposal]:
    """The other direction: the everyday words (of the given list) closest to an official term."""
    if term not in vectors.key_to_index:
        return []
    count = count_of(vectors, term)
    scored = [
        Proposal(w, term, round(float(vectors.similarity(w, term)), 3), count)
        for w in dict.fromkeys(words)
        if known(vectors, w) and w != term and w not in term
    ]
    scored = [p for p in scored if p.similarity >= min_similarity]
    return sorted(scored, key=lambda p: -p.similarity)[:topn]


def load_or_train(texts_dir: Path, cache: Path, kind: str = "word2vec", retrain: bool = False):
    from gensim.models import KeyedVectors

    cache.mkdir(parents=True, exist_ok=True)
    tokens, phrased, model_path = cache / "tokens.txt", cache / "phrased.txt", cache / f"laws-{kind}.kv"
    if model_path.exists() and not retrain:
        return KeyedVectors.load(str(model_path))
    started = time.monotonic()
    if not tokens.exists():
        files = sorted(p for p in texts_dir.glob("*.txt") if p.name not in {"README.txt", "_index.txt"})
        if not files:
            sys.exit(f"no law texts in {texts_dir}")
        tokenise_corpus(files, tokens)
        print(f"tokenised {len(files)} files in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if not phrased.exists() or retrain:
        join_phrases(tokens, phrased)
        print(f"phrases joined at {time.monotonic() - started:.0f} s", file=sys.stderr)
    vectors = train(phrased, model_path, kind)
    print(f"trained at {time.monotonic() - started:.0f} s, {len(vectors.key_to_index)} words", file=sys.stderr)
    return vectors


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=Path("../shared/laws/texts"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/vocab"), help="tokens and model (never committed)")
    parser.add_argument("--vectors", choices=("word2vec", "fasttext"), default="word2vec")
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--topn", type=int, default=8)
    parser.add_argument("--min-similarity", type=float, default=0.5)
    parser.add_argument("--min-count", type=int, default=100, help="corpus count that makes a term official")
    args = parser.parse_args(argv)
    vectors = load_or_train(args.texts, args.cache, args.vectors, args.retrain)

    everyday = list(dict.fromkeys(w for words in EVERYDAY.values() for w in words))
    bridged = own = 0
    absent = []
    print("# everyday word (its count in the laws) -> official terms (similarity, count)")
    print("# '=' marks a word the laws themselves use often: BM25 already matches it, a row would only add noise")
    for word in everyday:
        if not known(vectors, word):
            absent.append(word)
            continue
        count = count_of(vectors, word)
        found = propose(vectors, word, args.topn, args.min_similarity, args.min_count)
        if count >= args.min_count:
            own += len(found)
        else:
            bridged += len(found)
        mark = "=" if count >= args.min_count else " "
        print(f"{mark} {word} ({count}): " + "  ".join(f"{p.term} {p.similarity:.2f} ({p.term_count})" for p in found))
    print(
        f"# {bridged + own} proposals for {len(everyday) - len(absent)} words, {bridged} of them for words the laws"
        f" rarely use; no vector ({len(absent)}): " + " ".join(absent)
    )
    print("# official term -> closest everyday words")
    missing = []
    for term in OFFICIAL:
        near = everyday_near(vectors, term, everyday)
        if term not in vectors.key_to_index:
            missing.append(term)
            continue
        print(f"{term}: " + "  ".join(f"{p.word} {p.similarity:.2f}" for p in near))
    if missing:
        print("# official terms that are not one token: " + " ".join(missing))


if __name__ == "__main__":
    main()
