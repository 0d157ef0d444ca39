"""Requirements traceability: docs/requirements.md → marked tests → this run's results.

Tests say which requirements they prove with ``@pytest.mark.req("P11-SIG-2")`` (several ids may be
given at once). ``docs/requirements-extra-marks.txt`` adds marks (``ID path::test_name``) for tests whose file
cannot carry the marker yet. At the end of every run the plugin writes ``var/traceability.md`` and
``var/traceability.csv`` (requirement → tests → result) and prints a one-line summary.

The run fails
- always, when a test (or the extra-marks file) names an id that docs/requirements.md does not list, or
  either file is malformed;
- on a run of the whole suite only (no test paths, ``-k``, ``-m``, ``--ignore``, ``--deselect``), when a
  requirement has no passing test, or an extra mark names a test that does not exist.

The functions above ``Recorder`` are pure, so tests/test_traceability.py checks them directly.
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

MARKER = "req"
REQUIREMENTS_FILE = "docs/requirements.md"
EXTRA_MARKS_FILE = "docs/requirements-extra-marks.txt"
OUTPUT_DIR = "var"  # esotrial.settings.VAR_DIR: the repository's var/, ignored by git
MARKDOWN_FILE = "traceability.md"
CSV_FILE = "traceability.csv"

ID_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")

PASSED, FAILED, SKIPPED, NOT_RUN, UNTRACED = "passed", "failed", "skipped", "not run", "untraced"
_RANK = {NOT_RUN: 0, PASSED: 1, SKIPPED: 2, FAILED: 3}


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str
    source: str
    section: str = ""


@dataclass(frozen=True)
class MarkedTest:
    nodeid: str  # without parameters: one row per test function
    status: str  # PASSED, FAILED, SKIPPED or NOT_RUN
    counts: tuple  # ((outcome, n), ...) over the test's items, for "3/4 passed, 1 failed"

    @property
    def label(self):
        counts = dict(self.counts)
        total = sum(counts.values())
        if total <= 1:
            return self.status
        return ", ".join(
            f"{counts[outcome]}/{total} {outcome}"
            for outcome in (PASSED, FAILED, SKIPPED, NOT_RUN)
            if outcome in counts
        )


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    tests: tuple  # MarkedTest, ...

    @property
    def status(self):
        statuses = {test.status for test in self.tests}
        if not self.tests:
            return UNTRACED
        for status in (FAILED, PASSED, SKIPPED):
            if status in statuses:
                return status
        return NOT_RUN

    @property
    def has_passing_test(self):
        return any(test.status == PASSED for test in self.tests)


# --- Parsing ------------------------------------------------------------------------------------


def _cells(line):
    """The cells of a markdown table row; a pipe inside a cell is written \\|."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def parse_requirements(text):
    """The requirements of docs/requirements.md: every table row whose first cell is an id.

    Returns (requirements in file order, problems). Header and separator rows are not ids and are
    skipped; the section is the latest markdown heading above the row."""
    requirements, problems, seen, section = [], [], set(), ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
            continue
        if not stripped.startswith("|"):
            continue
        cells = _cells(stripped)
        if not ID_PATTERN.fullmatch(cells[0]):
            continue
        if len(cells) != 3 or not cells[1]:
            problems.append(
                f"{REQUIREMENTS_FILE} line {number}: {cells[0]} needs three cells (ID, requirement, source)"
            )
            continue
        if cells[0] in seen:
            problems.append(f"{REQUIREMENTS_FILE} line {number}: {cells[0]} is listed twice")
            continue
        seen.add(cells[0])
        requirements.append(Requirement(cells[0], cells[1], cells[2], section))
    return requirements, problems


def parse_extra_marks(text):
    """Lines ``ID path::test_name``; blank lines and ``#`` comments are ignored.

    Returns ([(id, test nodeid without parameters), ...], problems)."""
    marks, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        parts = content.split()
        if len(parts) != 2 or not ID_PATTERN.fullmatch(parts[0]) or "::" not in parts[1]:
            problems.append(f"{EXTRA_MARKS_FILE} line {number}: expected 'ID path::test_name', got {content!r}")
            continue
        marks.append((parts[0], base_nodeid(parts[1])))
    return marks, problems


def base_nodeid(nodeid):
    """The test function's id: a parametrized item's id without its ``[...]``."""
    return nodeid.split("[", 1)[0]


def ids_of_marks(marks):
    """The ids of an item's ``req`` marks, and problems with marks that name none or a non-string."""
    ids, problems = [], []
    for mark in marks:
        if not mark.args or mark.kwargs:
            problems.append("@pytest.mark.req needs the requirement ids as positional strings")
        for value in mark.args:
            if isinstance(value, str) and value.strip():
                ids.append(value.strip())
            else:
                problems.append(f"@pytest.mark.req got {value!r}: ids are strings like 'P11-SIG-2'")
    return ids, problems


# --- Results and the matrix ---------------------------------------------------------------------


def merge_outcome(current, new):
    """An item's outcome over its phases: failed beats skipped beats passed beats not run."""
    return new if _RANK[new] > _RANK[current] else current


def report_outcome(report):
    """The outcome one phase report contributes (xfail and xpass prove nothing: skipped)."""
    if report.failed:
        return FAILED
    if report.skipped or hasattr(report, "wasxfail"):
        return SKIPPED
    if report.when == "call":
        return PASSED
    return NOT_RUN


def results_per_test(item_outcomes):
    """{item nodeid: outcome} → {test function nodeid: MarkedTest}."""
    grouped = {}
    for nodeid, outcome in item_outcomes.items():
        grouped.setdefault(base_nodeid(nodeid), Counter())[outcome] += 1
    results = {}
    for nodeid, counts in grouped.items():
        if counts[FAILED]:
            status = FAILED
        elif counts[PASSED]:
            status = PASSED
        elif counts[SKIPPED]:
            status = SKIPPED
        else:
            status = NOT_RUN
        results[nodeid] = MarkedTest(nodeid, status, tuple(sorted(counts.items())))
    return results


def build_matrix(requirements, marks, results):
    """One Row per requirement, in file order.

    marks: {test nodeid: set of ids}; results: {test nodeid: MarkedTest}. A marked test that did not
    run in this session (deselected, another file) shows as not run."""
    tests_of = {}
    for nodeid, ids in marks.items():
        for requirement_id in ids:
            tests_of.setdefault(requirement_id, set()).add(nodeid)
    return [
        Row(
            requirement,
            tuple(
                results.get(nodeid) or MarkedTest(nodeid, NOT_RUN, ((NOT_RUN, 1),))
                for nodeid in sorted(tests_of.get(requirement.id, ()))
            ),
        )
        for requirement in requirements
    ]


def unknown_ids(requirements, marks):
    """{id: sorted tests} for every id a test claims that the requirements list does not have."""
    known = {requirement.id for requirement in requirements}
    unknown = {}
    for nodeid, ids in marks.items():
        for requirement_id in ids - known:
            unknown.setdefault(requirement_id, []).append(nodeid)
    return {requirement_id: sorted(tests) for requirement_id, tests in sorted(unknown.items())}


def untraced(rows):
    """The ids of requirements without a passing test."""
    return [row.requirement.id for row in rows if not row.has_passing_test]


def is_full_run(
    args,
    testpaths,
    invocation_dir,
    rootdir,
    *,
    keyword="",
    markexpr="",
    ignored=(),
    deselected=0,
    collect_only=False,
    last_failed=False,
    stepwise=False,
):
    """Whether this session ran the whole suite: the arguments are exactly the configured testpaths
    (given or by default) and nothing narrowed the selection. Only then is a missing passing test
    a failure."""
    if not testpaths or collect_only or keyword or markexpr or any(ignored) or deselected:
        return False
    if last_failed or stepwise:
        return False
    if any("::" in arg for arg in args):
        return False
    chosen = {(Path(invocation_dir) / arg).resolve() for arg in args}
    configured = {(Path(rootdir) / path).resolve() for path in testpaths}
    return chosen == configured


# --- Output -------------------------------------------------------------------------------------


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(rows, *, unknown=None, full_run=False, when=None, args=()):
    when = when or datetime.now(UTC)
    tests = {test.nodeid for row in rows for test in row.tests}
    missing = untraced(rows)
    scope = "the whole suite" if full_run else "a partial run (" + (" ".join(args) or "default") + ")"
    lines = [
        "# Requirements traceability matrix",
        "",
        f"Written {when:%Y-%m-%d %H:%M} UTC by tests/traceability.py from {REQUIREMENTS_FILE} and the test "
        f"results of {scope}.",
        "",
        f"- Requirements: {len(rows)}",
        f"- Tests marked: {len(tests)}",
        f"- Requirements with a passing test: {len(rows) - len(missing)}",
        f"- Requirements without one: {len(missing)}" + (f" ({', '.join(missing)})" if missing else ""),
        "",
        "A requirement's result is the worst of its tests (failed, then passed, skipped, not run); "
        "untraced means no test is marked with it.",
    ]
    section = None
    for row in rows:
        if row.requirement.section != section:
            section = row.requirement.section
            lines += [
                "",
                f"## {section or 'Requirements'}",
                "",
                "| ID | Requirement | Tests | Result |",
                "| --- | --- | --- | --- |",
            ]
        tests_cell = "<br>".join(f"`{test.nodeid}` {test.label}" for test in row.tests) or "—"
        result = row.status if row.status == PASSED else f"**{row.status.upper()}**"
        lines.append(
            f"| {row.requirement.id} | {_md(row.requirement.text)} ({_md(row.requirement.source)}) | "
            f"{tests_cell} | {result} |"
        )
    if unknown:
        lines += ["", "## Ids marked on tests but not in the requirements list", ""]
        lines += [f"- {requirement_id}: {', '.join(tests)}" for requirement_id, tests in unknown.items()]
    return "\n".join(lines) + "\n"


def render_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["requirement_id", "section", "requirement", "source", "requirement_result", "test", "test_result"])
    for row in rows:
        requirement = row.requirement
        head = [requirement.id, requirement.section, requirement.text, requirement.source, row.status]
        if not row.tests:
            writer.writerow([*head, "", ""])
        for test in row.tests:
            writer.writerow([*head, test.nodeid, test.label])
    return out.getvalue()


def summary_line(rows, *, full_run, output):
    tests = {test.nodeid for row in rows for test in row.tests}
    missing = untraced(rows)
    head = f"traceability: {len(rows)} requirements, {len(tests)} tests marked"
    if not rows:
        verdict = "no requirements listed"
    elif not missing:
        verdict = "all traced to a passing test"
    elif full_run:
        verdict = f"{len(missing)} without a passing test: {', '.join(missing)}"
    else:
        verdict = f"partial run, not judged ({len(missing)} without a passing test in this run)"
    return f"{head}; {verdict}; matrix in {output}"


# --- The plugin ---------------------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARKER}(*ids): the requirement ids of {REQUIREMENTS_FILE} this test proves (traceability)"
    )
    if not config.pluginmanager.has_plugin("traceability-recorder"):
        config.pluginmanager.register(Recorder(config), "traceability-recorder")


class Recorder:
    def __init__(self, config):
        self.config = config
        self.root = Path(config.rootpath)
        self.item_outcomes = {}
        self.marks = {}  # test nodeid (no parameters) → ids
        self.collected = set()
        self.problems = []
        self.deselected = 0
        self.summary = None
        self.published = []

    def pytest_deselected(self, items):
        self.deselected += len(items)

    def pytest_collection_finish(self, session):
        for item in session.items:
            self.item_outcomes[item.nodeid] = NOT_RUN
            nodeid = base_nodeid(item.nodeid)
            self.collected.add(nodeid)
            ids, problems = ids_of_marks(item.iter_markers(MARKER))
            for problem in problems:
                if f"{nodeid}: {problem}" not in self.problems:
                    self.problems.append(f"{nodeid}: {problem}")
            if ids:
                self.marks.setdefault(nodeid, set()).update(ids)

    def pytest_runtest_logreport(self, report):
        current = self.item_outcomes.get(report.nodeid, NOT_RUN)
        self.item_outcomes[report.nodeid] = merge_outcome(current, report_outcome(report))

    def _read(self, name):
        path = self.root / name
        return path.read_text(encoding="utf-8") if path.exists() else None

    def pytest_sessionfinish(self, session, exitstatus):
        config = self.config
        problems = list(self.problems)
        text = self._read(REQUIREMENTS_FILE)
        if text is None:
            problems.append(f"{REQUIREMENTS_FILE} is missing")
            text = ""
        requirements, found = parse_requirements(text)
        problems += found
        extra, found = parse_extra_marks(self._read(EXTRA_MARKS_FILE) or "")
        problems += found
        marks = {nodeid: set(ids) for nodeid, ids in self.marks.items()}
        for requirement_id, nodeid in extra:
            marks.setdefault(nodeid, set()).add(requirement_id)

        full_run = is_full_run(
            [str(arg) for arg in config.args],
            config.getini("testpaths"),
            config.invocation_params.dir,
            self.root,
            keyword=config.getoption("keyword", ""),
            markexpr=config.getoption("markexpr", ""),
            ignored=[
                *(config.getoption("ignore", None) or ()),
                *(config.getoption("ignore_glob", None) or ()),
                *(config.getoption("deselect", None) or ()),
            ],
            deselected=self.deselected,
            collect_only=config.getoption("collectonly", False)
            or config.getoption("setuponly", False)
            or config.getoption("setupplan", False),
            last_failed=bool(getattr(config.option, "lf", False)),
            stepwise=bool(getattr(config.option, "stepwise", False)),
        )
        unknown = unknown_ids(requirements, marks)
        problems += [
            f"{requirement_id} is not in {REQUIREMENTS_FILE} (marked on {', '.join(tests)})"
            for requirement_id, tests in unknown.items()
        ]
        if full_run:  # an extra mark on a test that no longer exists proves nothing
            problems += [
                f"{EXTRA_MARKS_FILE}: {nodeid} ({requirement_id}) is not a test of this suite"
                for requirement_id, nodeid in extra
                if nodeid not in self.collected
            ]
        rows = build_matrix(requirements, marks, results_per_test(self.item_outcomes))
        if full_run:
            problems += [f"{requirement_id} has no passing test" for requirement_id in untraced(rows)]

        if requirements:  # not in a directory without this project's requirements list
            output = self.root / OUTPUT_DIR
            output.mkdir(parents=True, exist_ok=True)
            args = [str(arg) for arg in config.invocation_params.args]
            (output / MARKDOWN_FILE).write_text(
                render_markdown(rows, unknown=unknown, full_run=full_run, args=args), encoding="utf-8"
            )
            (output / CSV_FILE).write_text(render_csv(rows), encoding="utf-8")
        self.summary = (summary_line(rows, full_run=full_run, output=f"{OUTPUT_DIR}/{MARKDOWN_FILE}"), problems)
        self.published = rows if full_run else []
        if problems and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if self.summary is None:
            return
        line, problems = self.summary
        terminalreporter.write_sep("-", "requirements traceability")
        # A whole-suite run (CI) publishes the matrix in its log: requirement, result, tests.
        for row in self.published:
            terminalreporter.write_line(
                f"{row.requirement.id:<14} {row.status:<8} {len(row.tests):>3} test{'s' if len(row.tests) != 1 else ''}"
            )
        for problem in problems[:40]:
            terminalreporter.write_line(f"TRACEABILITY: {problem}", red=True)
        if len(problems) > 40:
            terminalreporter.write_line(f"TRACEABILITY: … and {len(problems) - 40} more", red=True)
        terminalreporter.write_line(line, red=bool(problems), green=not problems)
