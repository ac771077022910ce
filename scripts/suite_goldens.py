"""The generated suite's goldens kept in the repository, under goldens/, by the weekly workflow.

    python scripts/suite_goldens.py run --goldens goldens --device cpu --work DIR --name shard-1 GENERATED \\
        -- python -m pytest -n auto --dist loadfile -rs -p no:cacheprovider --import-mode=importlib -o addopts=
    python scripts/suite_goldens.py add --goldens goldens [--summary FILE] RECORDED.json...

`run` runs the generated files of the folder GENERATED with the pytest command after `--` (from
that folder, with `--junitxml` and the files appended), in two groups. A file whose pinned
checkpoint (its MODEL_ID, REVISION and TASK) has a committed golden on every device kind named
by --device runs with HF_TESTGEN_GOLDEN=WORK/goldens-committed.json (their committed goldens in
one file), so a drift fails it; junit in WORK/junit-NAME.xml. The others run with
HF_TESTGEN_RECORD_GOLDEN, junit in WORK/junit-NAME-new.xml, and what they recorded is kept in
WORK/goldens-recorded-NAME.json for pinned checkpoints whose file passed (no test failed or
errored): a golden is recorded from a known-good run only. Exit status: the first non-zero one of
the pytest runs, 0 when both passed.

`add` adds the recorded goldens that goldens/ lacks, one file per checkpoint:
goldens/<model id>.json (goldens/google-bert/bert-base-uncased.json), each a goldens file that
HF_TESTGEN_GOLDEN reads as it is. It never replaces a committed golden, and writes nothing unless
every recorded file is valid (each written file is replaced atomically). --summary writes the
Markdown the pull request's body shows: what was added, and what was already there.

Bad input (an unreadable or malformed goldens file, a golden in the wrong file, a folder without
generated files): one line naming it, exit status 2; HF_DEBUG=1 shows the traceback.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from hf_testgen.core.files import atomic_write_text
from hf_testgen.testing import goldens

PROG = "suite_goldens.py"
BAD_INPUT = 2
CONSTANTS = ("MODEL_ID", "REVISION", "TASK")
GOLDEN_VARIABLES = ("HF_TESTGEN_GOLDEN", "HF_TESTGEN_RECORD_GOLDEN")


class BadInput(ValueError):
    """Input the job cannot use; the message names it (one line)."""


# --- the layout of goldens/ ---------------------------------------------------------------------------
def path_for(folder: Path, model_id: str) -> Path:
    """goldens/<model id>.json: one file per checkpoint (a Hub repo id is safe as a path)."""
    try:
        validate_repo_id(model_id)
    except HFValidationError as error:
        raise BadInput(f"{model_id!r} is not a Hub model id, so it has no file under {folder}/: {error}") from None
    return folder / f"{model_id}.json"


def committed(folder: Path) -> dict[str, dict]:
    """Every golden under `folder`, each checked to be in its checkpoint's file."""
    entries: dict[str, dict] = {}
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        for key, runners in _entries(path).items():
            expected = path_for(folder, _split(key, path)[0])
            if expected.resolve() != path.resolve():
                raise BadInput(f"{path}: the golden {key} belongs in {expected}")
            entries[key] = runners
    return entries


def _entries(path: Path) -> dict[str, dict]:
    try:
        return goldens.read_entries(path)
    except (OSError, ValueError) as error:
        raise BadInput(str(error) if str(path) in str(error) else f"{path}: {error}") from None


def _split(key: str, path: Path) -> tuple[str, str, str, str, str]:
    try:
        return goldens.split_key(key)
    except ValueError as error:
        raise BadInput(f"{path}: {error}") from None


# --- run: compare where a golden is committed, record where none is ---------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    file: Path
    model_id: str
    revision: str | None
    task: str

    def prefix(self, device: str) -> str:
        """The start of its golden keys on `device` (the dtype, known only at run time, follows)."""
        return goldens.golden_key(self.model_id, self.revision, self.task, device, "")


def checkpoint_of(path: Path) -> Checkpoint:
    """The pinned checkpoint a generated file names (its module-level constants, read without importing it)."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            values.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    if not (isinstance(values.get("MODEL_ID"), str) and isinstance(values.get("TASK"), str)):
        raise BadInput(f"{path} is not a generated hf-testgen file (no MODEL_ID and TASK constants)")
    revision = values["REVISION"] if isinstance(values.get("REVISION"), str) else None
    return Checkpoint(path, str(values["MODEL_ID"]), revision, str(values["TASK"]))


def split(checkpoints: list[Checkpoint], entries: dict, devices: Sequence[str]) -> tuple[list, list]:
    """(files to compare: a golden on every device kind, files to record: the others)."""
    known = [cp for cp in checkpoints if all(any(k.startswith(cp.prefix(d)) for k in entries) for d in devices)]
    return known, [cp for cp in checkpoints if cp not in known]


def run_pytest(command: list[str], group: list[Checkpoint], folder: Path, junit: Path, variable: dict) -> int:
    env = {key: value for key, value in os.environ.items() if key not in GOLDEN_VARIABLES}
    files = [str(cp.file.relative_to(folder)) for cp in group]
    setting = " ".join(f"{name}={value}" for name, value in variable.items())
    print(f"{PROG}: {' '.join(command)} on {len(files)} file(s) with {setting}")
    sys.stdout.flush()
    return subprocess.run([*command, f"--junitxml={junit}", *files], cwd=folder, env={**env, **variable}).returncode


def failed_files(junit: Path) -> set[str]:
    """Module names (file stems) with a failed or errored test in a junit XML that pytest wrote."""
    if not junit.is_file():
        return {"*"}  # pytest stopped before writing it: nothing it recorded is trusted
    try:
        cases = list(ElementTree.parse(junit).iter("testcase"))
    except ElementTree.ParseError:
        return {"*"}
    failed = set()
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(case.get("classname", "").rpartition(".")[2])
    return failed


def proposable(recorded: dict, group: list[Checkpoint], failed: set[str]) -> dict:
    """The recorded goldens of pinned checkpoints whose file passed."""
    passed = {(cp.model_id, cp.revision, cp.task) for cp in group if cp.revision and cp.file.stem not in failed}
    passed = set() if "*" in failed else passed
    return {key: runners for key, runners in recorded.items() if tuple(key.split("|")[:3]) in passed}


def compare_group(command: list[str], group: list[Checkpoint], entries: dict, args: argparse.Namespace) -> int:
    combined = args.work / "goldens-committed.json"  # the committed goldens of these files' checkpoints
    named = {(cp.model_id, cp.revision, cp.task) for cp in group}
    mine = {key: runners for key, runners in entries.items() if tuple(key.split("|")[:3]) in named}
    atomic_write_text(combined, json.dumps({"format": goldens.FORMAT, "entries": mine}, sort_keys=True) + "\n")
    junit = args.work / f"junit-{args.name}.xml"
    return run_pytest(command, group, args.generated, junit, {"HF_TESTGEN_GOLDEN": str(combined)})


def record_group(command: list[str], group: list[Checkpoint], args: argparse.Namespace) -> int:
    raw = args.work / f".goldens-recording-{args.name}.json"
    raw.unlink(missing_ok=True)
    junit = args.work / f"junit-{args.name}-new.xml"
    status = run_pytest(command, group, args.generated, junit, {"HF_TESTGEN_RECORD_GOLDEN": str(raw)})
    kept = proposable(_entries(raw), group, failed_files(junit))
    out = args.work / f"goldens-recorded-{args.name}.json"
    atomic_write_text(out, json.dumps({"format": goldens.FORMAT, "entries": kept}, indent=1, sort_keys=True) + "\n")
    print(f"{PROG}: {len(kept)} new golden key(s) of passing pinned checkpoints in {out}")
    for leftover in (raw, Path(f"{raw}.lock")):
        leftover.unlink(missing_ok=True)
    return status


def run(args: argparse.Namespace, command: list[str]) -> int:
    if not command:
        raise BadInput("run needs the pytest command after `--` (for example: -- python -m pytest -rs)")
    files = sorted(args.generated.glob("test_*.py")) if args.generated.is_dir() else []
    if not files:
        raise BadInput(f"{args.generated} holds no generated test files (test_*.py)")
    entries = committed(args.goldens)
    known, new = split([checkpoint_of(path) for path in files], entries, args.device)
    args.work.mkdir(parents=True, exist_ok=True)
    for stale in ("junit-{}.xml", "junit-{}-new.xml", "goldens-recorded-{}.json"):
        (args.work / stale.format(args.name)).unlink(missing_ok=True)  # a rerun in the same folder leaves no old file
    statuses = [compare_group(command, known, entries, args)] if known else []
    statuses += [record_group(command, new, args)] if new else []
    return next((status for status in statuses if status), 0)


# --- add: the recorded goldens goldens/ lacks, never replacing one ------------------------------------------
def plan(folder: Path, recorded: Sequence[Path]) -> dict[Path, dict[str, dict]]:
    """{goldens file: {key: {runner: golden}}} of every recorded golden of a pinned checkpoint."""
    targets: dict[Path, dict[str, dict]] = {}
    for path in recorded:
        for key, runners in _entries(path).items():
            model_id, revision, *_ = _split(key, path)
            if revision == "unpinned":
                raise BadInput(f"{path}: {key} is of an unpinned checkpoint; goldens/ keeps pinned ones only")
            for runner, golden in runners.items():
                targets.setdefault(path_for(folder, model_id), {}).setdefault(key, {}).setdefault(runner, golden)
    return targets


def add(args: argparse.Namespace) -> int:
    committed(args.goldens)  # a misplaced or broken committed file stops the job before anything is written
    added, kept = [], []
    for target, entries in sorted(plan(args.goldens, args.recorded).items()):
        new = goldens.add_missing(target, entries)
        added += new
        kept += sorted({(k, r) for k, runners in entries.items() for r in runners} - set(new))
    print(f"{PROG}: {len(added)} golden(s) added under {args.goldens}/, {len(kept)} already there (kept as they are)")
    if args.summary:
        atomic_write_text(args.summary, summary(args.goldens, added, kept))
    return 0


def summary(folder: Path, added: list[tuple[str, str]], kept: list[tuple[str, str]]) -> str:
    lines = ["## Goldens recorded by the generated suite", ""]
    lines.append(
        f"{len(added)} golden(s) added for pinned checkpoints that had none; {len(kept)} recorded again "
        "and left as committed (a committed golden is never replaced: delete it to record it anew)."
    )
    if added:
        lines += ["", "| file | checkpoint @ revision | task | device | dtype | output |", "|---|---|---|---|---|---|"]
        for key, runner in added:
            model_id, revision, task, device, dtype = goldens.split_key(key)
            cells = (path_for(folder, model_id), f"{model_id} @ {revision[:12]}", task, device, dtype, runner)
            lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


# --- command line ---------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="subcommand", required=True)
    run_parser = commands.add_parser("run", help="run the generated files, comparing or recording goldens")
    run_parser.add_argument("generated", type=Path, help="folder of generated test files")
    run_parser.add_argument("--goldens", type=Path, required=True, help="the committed goldens/ folder")
    run_parser.add_argument("--device", action="append", default=None, help="device kind the run covers (repeat)")
    run_parser.add_argument("--work", type=Path, required=True, help="folder for junit XML and recorded goldens")
    run_parser.add_argument("--name", required=True, help="names this run's files (shard-1, gpu)")
    add_parser = commands.add_parser("add", help="add recorded goldens that goldens/ lacks")
    add_parser.add_argument("recorded", type=Path, nargs="*", help="goldens-recorded-*.json files of `run`")
    add_parser.add_argument("--goldens", type=Path, required=True, help="the committed goldens/ folder")
    add_parser.add_argument("--summary", type=Path, help="write the pull request's Markdown body here")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    split_at = argv.index("--") if "--" in argv else len(argv)
    args = parser().parse_args(argv[:split_at])
    try:
        if args.subcommand == "run":
            args.device = args.device or ["cpu"]
            return run(args, argv[split_at + 1 :])
        return add(args)
    except (BadInput, OSError) as error:
        if os.environ.get("HF_DEBUG") == "1":
            raise
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
