"""A package's statement: which file is read, and how it is shown (no raw HTML)."""

from pathlib import Path

import pytest

from batchjudge.domain.errors import ProblemError
from batchjudge.problems.package import MAX_STATEMENT_BYTES, load_statement
from batchjudge.web.statements import render_statement


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def test_the_english_statement_is_preferred(tmp_path: Path):
    write(
        tmp_path,
        {
            "problem_statement/problem.de.md": "Deutsch",
            "problem_statement/problem.en.md": "English",
            "problem_statement/problem.md": "Plain",
        },
    )
    assert load_statement(tmp_path) == "English"


def test_then_problem_md_then_any_problem_md(tmp_path: Path):
    write(tmp_path, {"statement/problem.sv.md": "Svenska", "statement/problem.de.md": "Deutsch"})
    assert load_statement(tmp_path) == "Deutsch"
    write(tmp_path, {"statement/problem.md": "Plain"})
    assert load_statement(tmp_path) == "Plain"


def test_the_kattis_folder_comes_before_the_draft_one(tmp_path: Path):
    write(
        tmp_path,
        {"statement/problem.en.md": "draft", "problem_statement/problem.en.md": "kattis"},
    )
    assert load_statement(tmp_path) == "kattis"


def test_no_markdown_statement_is_an_empty_one(tmp_path: Path):
    assert load_statement(tmp_path) == ""
    write(tmp_path, {"problem_statement/problem.en.tex": "\\problemname{x}"})
    assert load_statement(tmp_path) == ""


def test_bytes_that_are_not_utf8_are_replaced(tmp_path: Path):
    write(tmp_path, {"problem_statement/problem.en.md": b"caf\xe9"})
    assert load_statement(tmp_path) == "caf\ufffd"


def test_a_huge_statement_is_refused_with_its_file(tmp_path: Path):
    write(tmp_path, {"problem_statement/problem.en.md": "x" * (MAX_STATEMENT_BYTES + 1)})
    with pytest.raises(ProblemError, match=r"^p: problem_statement/problem.en.md: the statement"):
        load_statement(tmp_path, "p")


def test_the_example_package_has_its_statement():
    example = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"
    assert load_statement(example).startswith("# Sum pairs")


def test_raw_html_is_shown_as_text():
    shown = render_statement("Hi <b>there</b>\n\n<script>alert(1)</script>\n")
    assert shown is not None
    assert "<script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "&lt;b&gt;there&lt;/b&gt;" in shown


def test_dangerous_links_and_remote_images_do_not_render():
    shown = str(
        render_statement("[x](javascript:alert(1)) ![a cat](https://elsewhere.example/c.png)")
    )
    assert "href=" not in shown
    assert "<img" not in shown
    assert "[image: a cat]" in shown


def test_headings_sit_under_the_page_title_and_tables_render():
    shown = str(render_statement("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
    assert "<h2>Title</h2>" in shown
    assert "<td>1</td>" in shown


def test_an_empty_statement_renders_as_none():
    assert render_statement("  \n") is None
