"""Every ``outcomes-qual`` command in the README's ```bash blocks runs, in README order, on the sample data.

The README is the front page; the sections it used to hold are in ``docs/install.md`` and
``docs/guide.md`` (the tour), so their blocks are read after the README's, in that order
(:data:`PAGES`).

The commands run in one temporary folder laid out as the README assumes
(``transcripts_sample/``, ``codebooks/``, and for the generic names
``transcripts/``, ``roster.csv``, ``names.csv``, ``consultation.parquet``,
``mine.csv``), through :func:`outcomes_qual.cli.main` in this process (no
interpreter start per command). Where a command takes a flag that picks a
lighter backend and does not set it, the light one is added (``--backend
lsa``, ``--backend light``, ``--topic-backend light``; ``report``, which has
no embedding-backend flag, gets ``--method keyword``), so no command loads a
sentence-transformers model. The 19 commands take about 50 s of CPU in this
process (measured 7 December 2026; 5 minutes wall on the shared 2-core machine
at load 19), most of it reading and coding the sample in each command. Commands that
install, build the demo venv, need a cluster of one's own or serve a browser
app are skipped with the reason, and the exact list of skips is asserted, so
a new command cannot be skipped silently.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE

from outcomes_qual.cli import build_parser, main

#: The pages whose ```bash blocks are run, in this order: the front page, then where its sections moved.
PAGES = ("README.md", "docs/install.md", "docs/guide.md")

#: Shell lines that are not run, and why (matched by substring, in this order).
SKIP = (
    ("make demo", "builds .venv and the whole demo (minutes); tests/test_demo.py runs the demo itself"),
    ("make test", "the whole test suite"),
    ("python3.11 -m venv", "creates a virtual environment"),
    ("pip install", "installs packages"),
    ("tcp://HOST:8786", "needs a Dask cluster of your own"),
    (" serve ", "starts a web server for a browser; tests/web/ start and stop it"),
)


def readme_commands(text: str) -> list[tuple[int, str]]:
    """(README line, command) for every shell line of every ```bash block; ``\\`` continuations joined, comments cut."""
    found = []
    for block in re.finditer(r"^```bash\n(.*?)^```", text, re.S | re.M):
        first = text[: block.start()].count("\n") + 2
        pending, start = "", None
        for offset, raw in enumerate(block.group(1).splitlines()):
            line = raw.split("  #", 1)[0].rstrip() if "  #" in raw else raw.rstrip()
            if not line.strip():
                continue
            start = first + offset if start is None else start
            if line.endswith("\\"):
                pending += line[:-1].strip() + " "
                continue
            found.append((start, (pending + line.strip()).strip()))
            pending, start = "", None
    return found


def test_readme_commands_are_found_with_continuations_and_comments():
    text = "x\n```bash\nouter-tool a \\\n    b          # note\nc   # d\n```\n```\nnot shell\n```\n"
    assert readme_commands(text) == [(3, "outer-tool a b"), (5, "c")]


def _light(argv: list[str], parser) -> list[str]:
    sub = parser._subparsers._group_actions[0].choices[argv[0]]  # the subcommand's parser
    if argv[0] == "project":  # nested: project init/add/code ...
        sub = sub._subparsers._group_actions[0].choices[argv[1]]
    opts = sub._option_string_actions
    extra = []
    for flag, light in (("--backend", "lsa"), ("--backend", "light"), ("--topic-backend", "light")):
        action = opts.get(flag)
        if action is not None and light in (action.choices or ()) and flag not in argv and flag not in extra:
            extra += [flag, light]
    if argv[0] == "report" and "--method" not in argv and "--project" not in argv:
        extra += ["--method", "keyword"]
    return argv + extra


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    (tmp_path / "transcripts_sample").symlink_to(SAMPLE, target_is_directory=True)
    (tmp_path / "transcripts").symlink_to(SAMPLE, target_is_directory=True)
    (tmp_path / "codebooks").symlink_to(ROOT / "codebooks", target_is_directory=True)
    for name in ("roster.csv", "names.csv"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    pytest.importorskip("pyarrow")
    pd.read_csv(SAMPLE / "consultation_sample.csv", dtype=str, keep_default_na=False).to_parquet(
        tmp_path / "consultation.parquet", index=False
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _prepare(command: str, where: Path) -> None:
    """Inputs the README names as the reader's own files, made just before the command that reads them."""
    if "--train mine.csv" in command and not (where / "mine.csv").exists():
        # "your codings": 40 keyword codings of the sample, under a person's name
        assert (
            main(
                [
                    "autocode",
                    "transcripts/",
                    "--roster",
                    "roster.csv",
                    "--codebook",
                    "codebooks/outcomes_practice.yaml",
                    "--method",
                    "keyword",
                    "--coder",
                    "me",
                    "--out",
                    "mine.csv",
                ]
            )
            == 0
        )
        pd.read_csv(where / "mine.csv").head(40).to_csv(where / "mine.csv", index=False)
    if command.startswith("outcomes-qual agreement --project") or "--against ana" in command:
        # two people's codings in the project: the README's `project code --search` without --preview, twice
        for coder, term, code in (
            ("ana", "form*", "systems_barriers/paperwork_and_it"),
            ("ben", "paperwork", "systems_barriers"),
        ):
            if coder not in _coders(where / "study.sqlite"):
                assert main(["project", "code", "--search", term, code, "--coder", coder, "--project", "study.sqlite"]) == 0
    if "colleague.qdpx" in command:  # a colleague's project: one interview of their own, coded, exported
        (where / "colleague").mkdir()
        (where / "colleague" / "colleague_interview.txt").write_text(
            "Interviewer: What takes up your week?\n\nRhys: The forms. Every referral means the same forms again.\n",
            encoding="utf-8",
        )
        for argv in (
            ["project", "init", "colleague.sqlite", "--codebook", "codebooks/outcomes_practice.yaml"],
            ["project", "add", "colleague", "--project", "colleague.sqlite"],
            ["project", "code", "--search", "forms", "systems_barriers", "--coder", "cara", "--project", "colleague.sqlite"],
            ["export-qdpx", "--project", "colleague.sqlite", "colleague.qdpx"],
        ):
            assert main(argv) == 0, argv
    if "their_codebook.qdc" in command:
        shutil.copy(where / "outcomes.qdc", where / "their_codebook.qdc")


def _coders(project: Path) -> set[str]:
    from outcomes_qual.project import Project

    with Project.open(project) as proj:
        return set(proj.codings()["coder"])


def test_every_readme_command_runs(workspace, capsys):
    commands = [
        (f"{page}:{line}", command)
        for page in PAGES
        for line, command in readme_commands((ROOT / page).read_text(encoding="utf-8"))
    ]
    assert len(commands) >= 20, commands
    parser = build_parser()
    skipped, failures = [], []
    for line, command in commands:
        reason = next((why for what, why in SKIP if what in f" {command} "), None)
        if reason:
            skipped.append((command.split()[0], reason))
            continue
        argv = shlex.split(command)
        assert argv[0] == "outcomes-qual", f"{line}: not an outcomes-qual command: {command}"
        _prepare(command, workspace)
        argv = _light(argv[1:], parser)
        rc = main(argv)
        err = capsys.readouterr().err
        if rc != 0:
            failures.append(f"{line}: exit {rc}: outcomes-qual {' '.join(argv)}\n{err[-800:]}")
    assert not failures, "\n".join(failures)
    assert [why for _, why in skipped] == [
        SKIP[0][1],
        SKIP[1][1],  # make demo, make test (Quick start)
        SKIP[2][1],
        SKIP[3][1],
        SKIP[3][1],  # Installing: venv, torch, the extras
        SKIP[4][1],  # Dask: --scheduler tcp://HOST:8786
        SKIP[0][1],
        SKIP[5][1],  # Reviewing in the browser: make demo, serve
    ]
    assert (workspace / "out" / "ncs" / "tables" / "question_by_theme.csv").is_file()  # the --workers 2 run
    assert (workspace / "out" / "report" / "report.docx").is_file()
    assert (workspace / "anon").is_dir() and (workspace / "their_codebook.yaml").is_file()
