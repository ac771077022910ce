"""What every command shares, below the command modules: exit codes, argument types, shared flags,
and the guard that turns errors into one line and an exit code.

`cli`, `cli_generate` and `cli_refresh` import this module; it imports none of them, and no library
module imports it (the library raises our errors; only the commands choose exit codes).
"""

from __future__ import annotations

import argparse
import itertools
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.config import Settings
from ..core.errors import (
    HfTestgenError,
    HubUnavailableError,
    NoModelFitsError,
    RegistryError,
    ResultsFormatError,
    UsageError,
)
from ..core.files import NotRegularFileError, check_write_target, same_file
from ..core.records import FRAMEWORKS, LOAD_DTYPES
from ..core.text import terminal_safe, unknown_choice
from ..facts.frameworks import canonical_framework
from ..facts.hardware import HARDWARE_CHOICES, canonical_hardware

if TYPE_CHECKING:
    from ..selection.chain import SelectionRequest

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_MB = 1e9  # --max-size: 1 PB; more would overflow the byte arithmetic
MAX_COUNT = 1_000_000  # --limit, --pages, --max-requests
MAX_DELAY_S = 3600.0  # --request-delay

# One table: our exceptions → exit code (subclasses before their parents).
ERROR_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (UsageError, EXIT_USAGE),
    (NoModelFitsError, EXIT_USAGE),
    (ResultsFormatError, EXIT_USAGE),  # a malformed results line: bad input, like bad usage
    (RegistryError, EXIT_FAILED),
    (HubUnavailableError, EXIT_FAILED),
    (HfTestgenError, EXIT_FAILED),
)


class Parser(argparse.ArgumentParser):
    """argparse with our exit code for bad usage (2, like argparse) and a one-line message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# --- the program's own name ------------------------------------------------------------------------
COMMAND = "hf-testgen"  # the installed command ([project.scripts] in pyproject.toml)
_dispatcher: ContextVar[tuple[str, str] | None] = ContextVar("hf_testgen_dispatcher", default=None)


@contextmanager
def dispatched_by(subcommand: str, command: str = COMMAND) -> Iterator[None]:
    """While `command subcommand` runs (the `hf-testgen` dispatcher), `prog_for` and `run_guarded` name it."""
    token = _dispatcher.set((command, subcommand))
    try:
        yield
    finally:
        _dispatcher.reset(token)


def prog_for(subcommand: str, script: str) -> str:
    """The program name for usage, help and errors: `hf-testgen select` when the installed command
    dispatched to the subcommand, else the checkout script the user ran (`advanced_model_selection.py`)."""
    dispatcher = _dispatcher.get()
    return f"{dispatcher[0]} {subcommand}" if dispatcher else script


def _error_prefix() -> str:
    """"hf-testgen select: error: " under the command; "error: " from a checkout script, as before."""
    dispatcher = _dispatcher.get()
    return f"{dispatcher[0]} {dispatcher[1]}: error: " if dispatcher else "error: "


def examples(prog: str, *arguments: str) -> str:
    """An epilog of example command lines, each starting the way the user starts this program:
    `hf-testgen select ...` for the command, `python advanced_model_selection.py ...` in a checkout."""
    start = f"python {prog}" if prog.endswith(".py") else prog
    return "examples:\n" + "\n".join(f"  {start} {line}" for line in arguments)



def command_parser(subcommand: str, script: str, description: str, *example_arguments: str) -> Parser:
    """A command's parser: named for how it was run (`prog_for`), with its examples as the epilog."""
    prog = prog_for(subcommand, script)
    return Parser(
        prog=prog,
        description=description,
        epilog=examples(prog, *example_arguments),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# --- argument types -------------------------------------------------------------------------------
def _argument_type(parse: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse type from a facts parser: its UsageError becomes argparse's one-line usage error."""

    def convert(text: str) -> str:
        try:
            return parse(text)
        except UsageError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = parse.__name__  # argparse names the type in some messages
    return convert


DTYPE_ALIASES = {"fp32": "float32", "fp16": "float16", "half": "float16", "bf16": "bfloat16"}


def _dtype(text: str) -> str:
    """--dtype: a `LoadDtype` (fp32, fp16 and bf16 name them too)."""
    value = text.strip().lower()
    value = DTYPE_ALIASES.get(value, value)
    if value not in LOAD_DTYPES:
        raise UsageError(unknown_choice("dtype", text, LOAD_DTYPES, aliases=tuple(DTYPE_ALIASES)))
    return value


def _braced(choices: Sequence[str]) -> str:
    """The metavar argparse shows for a choice: {a,b,c}."""
    return "{" + ",".join(choices) + "}"


def positive_mb(text: str) -> float:
    """--max-size: a positive, finite number of megabytes."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of MB (e.g. 500)") from None
    if not 0 < value <= MAX_MB:  # also false for nan
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} must be a positive number of MB, at most {MAX_MB:g} (e.g. 500)"
        )
    return value


def positive_int(text: str) -> int:
    """--limit, --pages, --max-requests: a whole number above zero."""
    try:
        value = int(text) if text.strip().isascii() and len(text) <= 20 else None  # int("３") is 3
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 0 < value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} must be a positive whole number, at most {MAX_COUNT:,}")
    return value


def non_negative_seconds(text: str) -> float:
    """--request-delay: zero or more seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (e.g. 0.5)") from None
    if not 0 <= value <= MAX_DELAY_S:  # 1e308 would overflow time.sleep
        raise argparse.ArgumentTypeError(f"{text[:40]!r} must be from 0 to {MAX_DELAY_S:g} seconds")
    return value


def non_empty_path(text: str) -> Path:
    """A file or directory argument; '' is refused (Path('') is the current directory, a silent surprise)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not allowed (use . for the current directory)")
    return Path(text)


def check_outputs(outputs: Sequence[tuple[str, Path | None]], protected: Sequence[tuple[str, Path]] = ()) -> None:
    """Before any work: each output file (flag, path) is a regular file or does not exist yet, names
    no protected file (the registry, its lock, benchmarks.json, an input) and no other output, in any
    spelling (symlinks, `..`, hard links).

    Raises:
        UsageError: naming the flag, the path and what it would have replaced.
    """
    given = [(flag, Path(path)) for flag, path in outputs if path is not None]
    for flag, path in given:
        try:
            check_write_target(path)
        except NotRegularFileError as err:
            raise UsageError(f"{flag} {path}: {err.strerror}") from None
        for label, other in protected:
            if same_file(path, other):
                raise UsageError(f"{flag} {path} may not name {label} ({other}): it would be overwritten")
    for (flag, path), (other_flag, other) in itertools.combinations(given, 2):
        if same_file(path, other):
            raise UsageError(f"{flag} {path} and {other_flag} {other} may not name the same file")


# --- shared flags ----------------------------------------------------------------------------------
def add_registry_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        type=non_empty_path,
        metavar="PATH",
        help="model registry JSON (default: HF_TESTGEN_REGISTRY, else the checkout's or the installed package's)",
    )


def add_selection_args(parser: argparse.ArgumentParser, *, model_type_required: bool = False) -> None:
    """The flags every selecting command shares, defined once."""
    parser.add_argument("--model-type", required=model_type_required, metavar="TYPE", help="e.g. bert, gpt2, t5, vit")
    parser.add_argument("--task", help="e.g. fill-mask, text-generation (default: the type's main task)")
    parser.add_argument(
        "--hardware",
        type=_argument_type(canonical_hardware),
        metavar=_braced(HARDWARE_CHOICES),
        default="auto",
        help="hardware profile limiting the model size (default: auto, this machine's memory; "
        "none: no limit unless --max-size)",
    )
    parser.add_argument("--max-size", type=positive_mb, metavar="MB", help="largest model size in MB")
    parser.add_argument(
        "--framework",
        type=_argument_type(canonical_framework),
        metavar=_braced(FRAMEWORKS),
        default="pytorch",
        help="default: pytorch (torch and pt name it too; tf is tensorflow)",
    )
    parser.add_argument("--allow-gated", action="store_true", help="accept gated, private or disabled models")
    parser.add_argument(
        "--dtype",
        type=_argument_type(_dtype),
        metavar=_braced(LOAD_DTYPES),
        default="auto",
        help="dtype the test loads the weights in; sizes are at it (default: auto, the checkpoint's stored dtype)",
    )
    parser.add_argument(
        "--strict-size",
        action="store_true",
        help="refuse sizes that are only estimated, even under this machine's limit "
        "(by default an estimate of at most a quarter of it passes, with a note)",
    )
    add_registry_arg(parser)


def settings_from(args: argparse.Namespace, *, registry_must_exist: bool = True) -> Settings:
    """The environment's settings (read once), with --registry applied.

    Raises:
        RegistryError: `--registry` names no file, or one that cannot be opened (checked unless
            `registry_must_exist` is false: a refresh creates its registry). Only the flag is checked:
            a registry found by default that is missing or broken is a warning, and selection falls through.
    """
    settings = Settings.from_env(os.environ)
    given = getattr(args, "registry", None)
    if given is not None and registry_must_exist:
        check_registry_flag(Path(given))
    return settings.with_overrides(registry_path=given)


def check_registry_flag(path: Path) -> None:
    """Raise unless `path` (given with --registry) is a regular file this process can open.

    Raises:
        RegistryError: naming the path and why (no such file, a directory, permission denied).
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise RegistryError(path, f"{err.strerror or 'cannot be read'} (given with --registry)") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the open below
        raise RegistryError(path, "not a regular file (given with --registry)")
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise RegistryError(path, f"{err.strerror or 'cannot be read'} (given with --registry)") from None


def request_from(args: argparse.Namespace, *, model_type: str | None = None) -> SelectionRequest:
    """The selection request the shared flags describe."""
    from ..selection.chain import SelectionRequest

    return SelectionRequest(
        model_type=model_type or args.model_type,
        task=args.task,
        hardware=args.hardware,
        max_size_mb=args.max_size,
        framework=args.framework,
        allow_gated=args.allow_gated,
        dtype=args.dtype,
        strict_size=args.strict_size,
    )


# --- the guard -------------------------------------------------------------------------------------
def os_error_line(err: OSError) -> str:
    """One line for a failed file operation, naming the path (never a traceback)."""
    paths = [str(p) for p in (err.filename, err.filename2) if p is not None]
    what = err.strerror or type(err).__name__
    return f"{' -> '.join(paths)}: {what}" if paths else f"{what}: {err}"


def run_guarded(body: Callable[[], int]) -> int:
    """Run a command body; turn any exception into one line on stderr and a non-zero exit code.

    Our errors and OSErrors get their exit code from `ERROR_EXIT_CODES`. Anything else is a bug
    of ours: one line that says so (exit code 1), never a silent fallback. HF_DEBUG=1 re-raises
    every one of them, for its traceback.
    """
    try:
        return body()
    except BrokenPipeError:
        # the reader went away (`... | head`): no message, and no second error when Python flushes stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as err:  # the one place every exception ends: a line, or with HF_DEBUG=1 its traceback
        if os.environ.get("HF_DEBUG"):
            raise
        print(f"{_error_prefix()}{terminal_safe(error_line(err))}", file=sys.stderr)
        return next((code for error_type, code in ERROR_EXIT_CODES if isinstance(err, error_type)), EXIT_FAILED)


def error_line(err: Exception) -> str:
    """The one line a user sees for an exception: ours as it is, an OSError naming its path, a bug as one."""
    if isinstance(err, HfTestgenError):
        return str(err)
    if isinstance(err, OSError):
        return os_error_line(err)
    first = str(err).splitlines()[0] if str(err).strip() else ""
    return f"internal error (a bug in hf-testgen): {type(err).__name__}: {first} (set HF_DEBUG=1 for the traceback)"
