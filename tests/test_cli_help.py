"""The command line for readers: help, fast start, entry points, completion."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import detector
from detector.cli import build_parser, main

from .conftest import REPO, make_records

HEAVY = ("torch", "scipy", "sklearn", "matplotlib")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_has_a_description_and_examples():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {a.dest: a.help for a in sub._choices_actions}
    assert set(summaries) == set(sub.choices)
    for name, command in sub.choices.items():
        assert summaries[name] and "\n" not in summaries[name], name
        assert command.description, name
        assert command.epilog and command.epilog.startswith("examples:"), name
        assert f"provenance {name}" in command.epilog, name
        assert "examples:\n  provenance" in command.format_help(), name


def test_every_option_has_help_with_its_default():
    for name, command in subcommands().items():
        formatter = command._get_formatter()
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, (name, action.dest)
            if not action.option_strings or action.required or action.nargs == 0:
                continue  # positional, required, or a flag
            shown = formatter._get_help_string(action)
            assert "default" in shown, (name, action.option_strings, shown)
    score_help = subcommands()["score"].format_help()
    assert "(default: 200)" in score_help and "(default: 0.05)" in score_help


def test_help_is_fast_and_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from detector.cli import main\n"
        "for argv in (['--help'], *[[c, '--help'] for c in "
        "('score','tree','report','train','attribute','features','collect','demo')]):\n"
        "    assert main(argv) == 0\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_package_exposes_entry_points_lazily():
    code = (
        "import sys, detector\n"
        "before = sorted(m for m in ('scipy', 'sklearn', 'torch') if m in sys.modules)\n"
        "assert callable(detector.score) and callable(detector.lineage_tree)\n"
        "print(before, 'detector.scoring' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip() == "[] True"
    for name in detector.__all__:
        assert getattr(detector, name) is not None, name
    assert set(dir(detector)) >= set(detector.__all__)
    with pytest.raises(AttributeError):
        _ = detector.no_such_thing
    assert (REPO / "detector" / "py.typed").exists()


def test_python_dash_m_detector(tmp_path):
    path = tmp_path / "c.csv"
    make_records().to_csv(path, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "detector", "inspect", str(path), "--min-shared", "2"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 models" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "detector", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0 and proc.stdout.startswith("provenance ")


def test_help_and_version_return_0_and_bad_options_2(capsys):
    assert main(["--help"]) == 0
    assert "COMMAND" in capsys.readouterr().out
    assert main(["score", "--nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("provenance: error:") and "--help" in err
    assert main([]) == 2


def test_completion_script(capsys):
    pytest.importorskip("shtab")
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert "provenance" in script and "--suspect" in script and "--candidates" in script
    assert main(["completion", "zsh"]) == 0
    assert "#compdef provenance" in capsys.readouterr().out


def test_completion_without_shtab_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "shtab", None)  # import shtab raises ImportError
    assert main(["completion", "bash"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install" in err and "completion" in err


def test_version_is_the_pyproject_version(capsys):
    import re

    declared = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert declared is not None and detector.__version__ == declared.group(1)
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"provenance {declared.group(1)}"


def test_pyproject_declares_completion_extra():
    text = Path(REPO / "pyproject.toml").read_text()
    assert "completion = [" in text and "shtab" in text


def test_readme_documents_the_command_line():
    readme = (REPO / "README.md").read_text()
    needles = ("--format", "--progress", "completion", '--candidates "org/model, v2" --candidates')
    for needle in needles:
        assert needle in readme, needle


def test_help_examples_parse():
    """Every example in the epilogs is a valid command line."""
    parser = build_parser()
    for name, command in subcommands().items():
        for line in command.epilog.splitlines()[1:]:
            words = shlex.split(line.split(" > ")[0])
            words = [w for w in words if "=" not in w or w.startswith("-")]  # env assignments
            assert words[0] == "provenance", line
            assert parser.parse_args(words[1:]).command == name, line
