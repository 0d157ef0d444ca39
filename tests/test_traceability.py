"""The traceability plugin's decisions (tests/traceability.py), on small hand-made inputs."""

import csv
import io
from pathlib import Path
from types import SimpleNamespace

from tests import traceability as t

DOC = """# Requirements

Intro with a | pipe that is not a table.

## Part 11

| ID | Requirement | Source |
| --- | --- | --- |
| P11-SIG-1 | An investigator signs with password and meaning. | §11.50 |
| P11-SIG-2 | First signing asks user name and password \\| later the password. | §11.200 |

## Protocol

| ID | Requirement | Source |
| --- | --- | --- |
| PRO-EP-1 | PFS: progression or death. | PROTOCOL.md |
"""

ROOT = Path("/repo")


def requirements():
    parsed, problems = t.parse_requirements(DOC)
    assert problems == []
    return parsed


def test_the_requirements_table_is_parsed_with_sections_and_escaped_pipes():
    parsed = requirements()
    assert [r.id for r in parsed] == ["P11-SIG-1", "P11-SIG-2", "PRO-EP-1"]
    assert parsed[1].text == "First signing asks user name and password | later the password."
    assert (parsed[0].source, parsed[0].section, parsed[2].section) == ("§11.50", "Part 11", "Protocol")


def test_duplicate_ids_and_short_rows_are_problems():
    _, problems = t.parse_requirements("| A-1 | one | s |\n| A-1 | again | s |\n| B-2 | no source |\n")
    assert len(problems) == 2
    assert "A-1 is listed twice" in problems[0] and "B-2 needs three cells" in problems[1]


def test_the_real_requirements_file_parses_without_problems():
    text = (Path(t.__file__).resolve().parent.parent / t.REQUIREMENTS_FILE).read_text(encoding="utf-8")
    parsed, problems = t.parse_requirements(text)
    assert problems == [] and len(parsed) >= 60
    extra = Path(t.__file__).resolve().parent.parent / t.EXTRA_MARKS_FILE
    marks, problems = t.parse_extra_marks(extra.read_text(encoding="utf-8"))
    assert problems == []
    assert {requirement_id for requirement_id, _ in marks} <= {r.id for r in parsed}


def test_extra_marks_lines_comments_and_malformed_lines():
    text = (
        "# comment\n\n"
        "P11-ACC-1 tests/accounts/test_login.py::test_pages_require_login\n"
        "DAT-9 tests/x.py::test_y[param]  # a trailing comment\n"
        "not an id tests/x.py::test_y\n"
        "P11-ACC-2 tests/x.py\n"
    )
    marks, problems = t.parse_extra_marks(text)
    assert marks == [
        ("P11-ACC-1", "tests/accounts/test_login.py::test_pages_require_login"),
        ("DAT-9", "tests/x.py::test_y"),
    ]
    assert len(problems) == 2 and "line 5:" in problems[0] and "line 6:" in problems[1]


def test_marks_without_ids_or_with_non_strings_are_problems():
    marks = [SimpleNamespace(args=("P11-SIG-1", "PRO-EP-1"), kwargs={}), SimpleNamespace(args=(), kwargs={})]
    ids, problems = t.ids_of_marks(marks)
    assert ids == ["P11-SIG-1", "PRO-EP-1"] and len(problems) == 1
    _, problems = t.ids_of_marks([SimpleNamespace(args=(7,), kwargs={})])
    assert "got 7" in problems[0]


def report(when, outcome, **extra):
    return SimpleNamespace(
        when=when, failed=outcome == "failed", skipped=outcome == "skipped", passed=outcome == "passed", **extra
    )


def test_an_items_outcome_over_its_phases():
    outcome = t.NOT_RUN
    for phase in (report("setup", "passed"), report("call", "passed"), report("teardown", "passed")):
        outcome = t.merge_outcome(outcome, t.report_outcome(phase))
    assert outcome == t.PASSED
    assert t.merge_outcome(t.PASSED, t.report_outcome(report("teardown", "failed"))) == t.FAILED
    assert t.report_outcome(report("setup", "skipped")) == t.SKIPPED
    assert t.report_outcome(report("call", "skipped", wasxfail="")) == t.SKIPPED  # xfail proves nothing
    assert t.report_outcome(report("call", "passed", wasxfail="")) == t.SKIPPED  # nor does xpass


def test_parametrized_items_roll_up_to_their_test_function():
    results = t.results_per_test(
        {
            "tests/a.py::test_roles[nurse]": t.PASSED,
            "tests/a.py::test_roles[monitor]": t.FAILED,
            "tests/a.py::test_ok[1]": t.PASSED,
            "tests/a.py::test_ok[2]": t.PASSED,
            "tests/a.py::test_skip": t.SKIPPED,
        }
    )
    assert results["tests/a.py::test_roles"].status == t.FAILED
    assert results["tests/a.py::test_roles"].label == "1/2 passed, 1/2 failed"
    assert (results["tests/a.py::test_ok"].status, results["tests/a.py::test_ok"].label) == (t.PASSED, "2/2 passed")
    assert results["tests/a.py::test_skip"].label == t.SKIPPED


def test_the_matrix_gives_each_requirement_its_tests_and_result():
    marks = {
        "tests/s.py::test_sign": {"P11-SIG-1", "P11-SIG-2"},
        "tests/s.py::test_sign_broken": {"P11-SIG-2"},
        "tests/e.py::test_pfs": {"PRO-EP-1"},
    }
    results = t.results_per_test(
        {"tests/s.py::test_sign": t.PASSED, "tests/s.py::test_sign_broken": t.FAILED, "tests/e.py::test_pfs": t.SKIPPED}
    )
    rows = t.build_matrix(requirements(), marks, results)
    assert [(row.requirement.id, row.status) for row in rows] == [
        ("P11-SIG-1", t.PASSED),
        ("P11-SIG-2", t.FAILED),  # a failing test shows, though another one passed
        ("PRO-EP-1", t.SKIPPED),
    ]
    assert [test.nodeid for test in rows[1].tests] == ["tests/s.py::test_sign", "tests/s.py::test_sign_broken"]
    assert t.untraced(rows) == ["PRO-EP-1"]  # P11-SIG-2 has a passing test; the failure fails the run anyway


def test_requirements_without_marks_or_without_a_run_are_untraced():
    rows = t.build_matrix(requirements(), {"tests/e.py::test_pfs": {"PRO-EP-1"}}, {})
    assert [row.status for row in rows] == [t.UNTRACED, t.UNTRACED, t.NOT_RUN]
    assert t.untraced(rows) == ["P11-SIG-1", "P11-SIG-2", "PRO-EP-1"]


def test_ids_that_are_not_requirements_are_named_with_their_tests():
    marks = {"tests/a.py::test_x": {"P11-SIG-1", "P11-SGI-1"}, "tests/b.py::test_y": {"P11-SGI-1"}}
    assert t.unknown_ids(requirements(), marks) == {"P11-SGI-1": ["tests/a.py::test_x", "tests/b.py::test_y"]}
    assert t.unknown_ids(requirements(), {"tests/a.py::test_x": {"PRO-EP-1"}}) == {}


def full(args, invocation_dir=ROOT, **options):
    return t.is_full_run(args, ["tests"], invocation_dir, ROOT, **options)


def test_only_the_whole_suite_is_a_full_run():
    assert full(["tests"])  # no arguments: pytest uses testpaths
    assert full(["tests/"]) and full(["/repo/tests"]) and full(["."], invocation_dir=ROOT / "tests")
    assert not full(["tests/crf/test_rules.py"])
    assert not full(["tests", "tests/crf"])  # conservative: any extra path is not "the suite"
    assert not full(["tests/crf"])
    assert not full(["tests/crf/test_rules.py::test_bed10"])
    assert not full(["tests"], keyword="bed")
    assert not full(["tests"], markexpr="not browser")
    assert not full(["tests"], ignored=["tests/e2e", "tests/security"])
    assert not full(["tests"], deselected=3)
    assert not full(["tests"], collect_only=True)
    assert not full(["tests"], last_failed=True)
    assert not t.is_full_run(["tests"], [], ROOT, ROOT)  # no testpaths configured: never judged


def test_the_summary_line_judges_only_a_full_run():
    rows = t.build_matrix(
        requirements(),
        {"tests/s.py::test_sign": {"P11-SIG-1"}},
        {"tests/s.py::test_sign": t.MarkedTest("tests/s.py::test_sign", t.PASSED, ((t.PASSED, 1),))},
    )
    line = t.summary_line(rows, full_run=True, output="var/traceability.md")
    assert line == (
        "traceability: 3 requirements, 1 tests marked; 2 without a passing test: P11-SIG-2, PRO-EP-1; "
        "matrix in var/traceability.md"
    )
    assert "partial run, not judged" in t.summary_line(rows, full_run=False, output="var/traceability.md")


def test_markdown_and_csv_list_every_requirement_and_test():
    marks = {"tests/s.py::test_sign": {"P11-SIG-1"}}
    rows = t.build_matrix(requirements(), marks, t.results_per_test({"tests/s.py::test_sign": t.PASSED}))
    markdown = t.render_markdown(rows, unknown={"X-1": ["tests/z.py::test_z"]}, full_run=True)
    row = "| P11-SIG-1 | An investigator signs with password and meaning. (§11.50) | `tests/s.py::test_sign` passed |"
    assert row + " passed |" in markdown
    assert "password \\| later" in markdown and "**UNTRACED**" in markdown
    assert "## Part 11" in markdown and "## Protocol" in markdown and "- X-1: tests/z.py::test_z" in markdown
    table = list(csv.DictReader(io.StringIO(t.render_csv(rows))))
    assert [(r["requirement_id"], r["test"], r["test_result"], r["requirement_result"]) for r in table] == [
        ("P11-SIG-1", "tests/s.py::test_sign", "passed", "passed"),
        ("P11-SIG-2", "", "", "untraced"),
        ("PRO-EP-1", "", "", "untraced"),
    ]
