"""Loading a folder: one file the parser cannot handle is skipped with its name, never the build."""

import io
from pathlib import Path

import assistant.corpus as corpus
from assistant.corpus import load_corpus

LAW = "某某管理条例\n\n第一条 为了规范管理，制定本条例。\n\n第二条 本条例自2025年1月1日起施行。\n"


def test_a_file_the_parser_fails_on_is_skipped_with_a_warning_naming_it(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "good.txt").write_text(LAW, encoding="utf-8")
    (tmp_path / "odd.txt").write_text(LAW.replace("某某", "古怪"), encoding="utf-8")
    real = corpus.segment_document

    def segment(draft, *args, **kwargs):  # stands in for a parser bug that only some text triggers
        if draft.title.startswith("古怪"):
            raise IndexError("string index out of range")
        return real(draft, *args, **kwargs)

    monkeypatch.setattr(corpus, "segment_document", segment)
    warnings = io.StringIO()
    loaded = load_corpus(tmp_path, warn_stream=warnings)
    assert [d.title for d in loaded.documents] == ["某某管理条例"]
    assert "skipped odd.txt: the parser failed on it (IndexError: string index out of range)" in warnings.getvalue()


def test_a_law_gets_its_dates_and_place_from_its_history(tmp_path: Path) -> None:
    text = (
        "浙江省某某救助条例\n\n2014年9月26日 浙江省第十二届人民代表大会常务委员会第十三次会议通过\n\n"
        "2020年9月24日 浙江省第十三届人民代表大会常务委员会第二十四次会议修正\n\n2014年11月1日 施行\n\n"
        + LAW.split("\n\n", 1)[1]
    )
    (tmp_path / "浙江省某某救助条例(2020-09-24).txt").write_text(text, encoding="utf-8")
    (doc,) = load_corpus(tmp_path, warn_stream=io.StringIO()).documents
    assert (doc.title, doc.issued, doc.amended, doc.effective) == (
        "浙江省某某救助条例",
        "2020-09-24",
        "2020-09-24",
        "2014-11-01",
    )
    assert (doc.province, doc.city, doc.national) == ("浙江", "", False)
    assert doc.issuer == "浙江省人民代表大会常务委员会"


def test_a_regulation_issued_by_decree_names_the_state_council(tmp_path: Path) -> None:
    text = "失业保险条例\n\n1999年1月22日 中华人民共和国国务院令第258号发布\n\n" + LAW.split("\n\n", 1)[1]
    (tmp_path / "失业保险条例.txt").write_text(text, encoding="utf-8")
    (doc,) = load_corpus(tmp_path, warn_stream=io.StringIO()).documents
    assert (doc.title, doc.issued, doc.issuer, doc.national) == ("失业保险条例", "1999-01-22", "国务院", True)
