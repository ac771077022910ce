"""Run generated end-to-end tests on CUDA: one text (bert), one vision (vit), one speech (whisper) model.

Why a script: CI has no GPU, so the cuda parametrisation of the generated files is skipped there.
On a CUDA machine with this checkout, this builds the tiny random models offline
(tests/tiny_models.py), serves them from the local Hub server (tests/hubserver.py), generates
their test files with `--model hf-testgen-tiny/<type> --revision <sha>`, and runs pytest on them
with `-k cuda -rA` in one subprocess pointed at that server.

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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TYPES = ("bert", "vit", "whisper")  # text, vision, speech
RUN_TIMEOUT_S = 900


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
    """Generate one file per type, pinned to the tiny repo and its fixed sha."""
    from test_e2e_generated import repo_of, revision_of
    from tiny_models import TINY_MODEL_TASKS

    from hf_testgen.cli_generate import main

    files = []
    for model_type in types:
        argv = [
            "--generate",
            model_type,
            "--model",
            repo_of(model_type),
            "--revision",
            revision_of(model_type),
        ]
        argv += ["--task", TINY_MODEL_TASKS[model_type], "--output-dir", str(out_dir)]
        if main(argv) != 0:
            raise SystemExit(f"generation failed for {model_type}")
        files.append(out_dir / f"test_hf_{model_type}.py")
    return files


def run_pytest(files: list[Path], device: str, hub_url: str, work: Path, results: Path) -> tuple[int, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_TESTGEN_", "HF_HUB_OFFLINE"))
    }
    env.update(
        HF_ENDPOINT=hub_url,
        HF_HOME=str(work / "hf_home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TRANSFORMERS_VERBOSITY="error",
        HF_TESTGEN_RESULTS=str(results),
    )
    command = [sys.executable, "-m", "pytest", "-k", device, "-rA", "-p", "no:cacheprovider", "--noconftest"]
    command += ["-o", "addopts=", *map(str, files)]
    print("running:", " ".join(command), flush=True)
    result = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    return result.returncode, result.stdout + result.stderr


def count(output: str, outcome: str) -> int:
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    match = re.search(rf"(\d+) {outcome}", summary)
    return int(match.group(1)) if match else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    cuda = print_versions()
    if args.device == "cuda" and not cuda:
        print("CUDA is not available here: nothing to check", file=sys.stderr)
        return 2
    types = [name.strip() for name in args.types.split(",") if name.strip()]
    from conftest import wait_until_healthy
    from hubserver import LocalHub
    from test_e2e_generated import serve
    from tiny_models import build_tiny_model

    with tempfile.TemporaryDirectory(prefix="hf-testgen-gpu-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        checkpoints = {name: build_tiny_model(name, work / "models" / name) for name in types}
        files = generate(types, work / "generated")
        seconds = time.perf_counter() - started
        print(f"built and generated {len(files)} files in {seconds:.1f}s: {', '.join(types)}")
        results = work / "results.jsonl"
        with LocalHub() as hub:
            wait_until_healthy(hub.url)
            serve(hub, checkpoints)
            code, output = run_pytest(files, args.device, hub.url, work, results)
        print(output)
        rows = (
            [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
            if results.exists()
            else []
        )
        for row in rows:
            print(
                f"result: {row['model_id']} on {row['device']}: load {row['load_seconds']}s, "
                f"inference {row['inference_seconds']}s, "
                f"peak {row['peak_memory_mb']} MB ({row['peak_memory_method']})"
            )
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "pytest.log").write_text(output, encoding="utf-8")
            (args.out / "results.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
            )
    passed, failed = count(output, "passed"), count(output, "failed") + count(output, "error")
    ok = code == 0 and failed == 0 and passed == len(files)
    verdict = "OK" if ok else "FAILED"
    which = ", ".join(types)
    print(f"{verdict}: {passed} of {len(files)} {args.device} tests passed ({which}); pytest exit {code}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
