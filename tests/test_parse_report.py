from pathlib import Path

from assistant.parse_report import check_file, main

LAW = """中华人民共和国某某保险法

2010年10月28日 第十一届全国人民代表大会常务委员会第十七次会议通过

2011年7月1日 施行

第一章 总则

第一条 为了规范某某保险关系，制定本法。

第二条 职工应当参加某某保险。
"""


def test_a_law_file_reports_its_title_dates_and_articles(tmp_path: Path) -> None:
    path = tmp_path / "某某保险法(2010-10-28).txt"
    path.write_text(LAW, encoding="utf-8")
    report = check_file(path, tmp_path)
    assert report.titles == ["中华人民共和国某某保险法"] and not report.titled_from_name
    assert (report.issued, report.effective, report.articles, report.error) == (["2010-10-28"], ["2011-07-01"], 2, "")


def test_suspicious_files_are_listed_by_name(tmp_path: Path, capsys) -> None:
    (tmp_path / "law.txt").write_text(LAW, encoding="utf-8")
    (tmp_path / "随手记.txt").write_text("今天开会讨论了补贴的事情，没有结论。\n", encoding="utf-8")
    (tmp_path / "future.txt").write_text(LAW.replace("2011年7月1日 施行", "2199年7月1日 施行"), encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    assert main([str(tmp_path), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "files 4  documents 3" in out
    assert "titled from file name: 1\n    随手记.txt" in out
    assert "exceptions: 1\n    empty.txt: unreadable: empty file" in out
    assert "absurd dates: 1\n    future.txt:" in out and "2199年7月1日" in out


def test_a_missing_folder_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
