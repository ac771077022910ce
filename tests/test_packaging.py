"""Installed, not only checked out: where the data files are found, the `hf-testgen` command,
the public API, and the environment read strictly.

Building a wheel and installing it into a fresh venv takes about a minute, so it is not run here;
the figures of the last manual run are in docs/packaging.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hf_testgen
from hf_testgen.cli import main as cli
from hf_testgen.core.config import DEFAULT_REGISTRY_PATH, PROJECT_ROOT, Settings, data_file
from hf_testgen.core.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def make_checkout(root: Path, *, with_registry: bool) -> Path:
    (root / "hf_testgen").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'hf-testgen'\n")
    if with_registry:
        (root / "model_registry.json").write_text("{}")
    return root


def test_a_checkout_reads_its_top_level_registry(tmp_path):
    checkout = make_checkout(tmp_path / "checkout", with_registry=True)
    found = data_file("model_registry.json", project_root=checkout, package_data=tmp_path / "pkg")
    assert found == checkout / "model_registry.json"


def test_an_installed_package_reads_its_shipped_copy(tmp_path):
    site_packages = tmp_path / "site-packages"
    (site_packages / "hf_testgen").mkdir(parents=True)
    (site_packages / "model_registry.json").write_text("{}")  # a stray file is no checkout
    found = data_file("model_registry.json", project_root=site_packages, package_data=tmp_path / "pkg")
    assert found == tmp_path / "pkg" / "model_registry.json"


def test_a_checkout_without_the_file_falls_back_to_the_package(tmp_path):
    checkout = make_checkout(tmp_path / "checkout", with_registry=False)
    assert data_file("benchmarks.json", project_root=checkout, package_data=tmp_path / "pkg") == (
        tmp_path / "pkg" / "benchmarks.json"
    )


def test_the_environment_comes_before_the_checkout(tmp_path):
    settings = Settings.from_env({"HF_TESTGEN_REGISTRY": str(tmp_path / "r.json"), "HF_TESTGEN_BENCHMARKS": "b.json"})
    assert settings.registry_path == tmp_path / "r.json" and settings.benchmarks_path == Path("b.json")
    assert Settings.from_env({}).registry_path == DEFAULT_REGISTRY_PATH


def test_this_checkout_uses_its_own_canonical_file():
    assert PROJECT_ROOT == ROOT and DEFAULT_REGISTRY_PATH == ROOT / "model_registry.json"
    assert not (ROOT / "hf_testgen" / "data" / "model_registry.json").exists()  # one copy in the repository
    assert not (ROOT / "hf_testgen" / "data" / "benchmarks.json").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("USE_STATIC_REGISTRY", "maybe"),
        ("FORCE_API_CALLS", "sometimes"),
        ("HF_TESTGEN_API_DEADLINE", "nan"),
        ("HF_TESTGEN_API_DEADLINE", "inf"),
        ("HF_TESTGEN_API_DEADLINE", "-1"),
        ("MAX_REGISTRY_AGE_DAYS", "soon"),
    ],
)
def test_an_unusable_environment_value_is_a_config_error(variable, value):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({variable: value})
    assert err.value.variable == variable and variable in str(err.value)


@pytest.mark.parametrize("value", ["TRUE", "1", " yes ", "on"])
def test_true_spellings(value):
    assert Settings.from_env({"USE_STATIC_REGISTRY": value}).use_static_registry


def test_a_config_error_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("HF_TESTGEN_API_DEADLINE", "nan")
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.main(["select", "--model-type", "bert"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "HF_TESTGEN_API_DEADLINE='nan'" in err[0]


def test_the_command_runs_each_script_with_its_own_flags(monkeypatch, capsys):
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    monkeypatch.delenv("HF_TESTGEN_REGISTRY", raising=False)
    assert cli.main(["select", "--model-type", "bert", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "registry"
    assert cli.main(["lookup", "--model-type", "bert", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["selection"]["source"] == "registry"
    with pytest.raises(SystemExit) as usage:  # find_models.py's own usage check, through argparse
        cli.main(["find", "--update-registry"])
    assert usage.value.code == 2
    assert cli.main(["nonsense"]) == 2 and "choose from select, generate, lookup, find" in capsys.readouterr().err


def test_the_command_generates_a_test(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.main(["generate", "--generate", "bert", "--output-dir", str(tmp_path)]) == 0
    assert (tmp_path / "test_hf_bert.py").is_file()


def test_the_console_script_points_at_the_dispatcher():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'hf-testgen = "hf_testgen.cli.main:main"' in text


def test_public_api_selects_without_a_checkout_path(tmp_path):
    settings = Settings(use_static_registry=True)
    selection = hf_testgen.select(hf_testgen.SelectionRequest(model_type="bert"), settings)
    assert isinstance(selection, hf_testgen.Selection) and selection.source == "registry"
    outcome = hf_testgen.generate(hf_testgen.GenerationRequest(model_type="bert", output_dir=tmp_path), settings)
    assert outcome.status == "written" and outcome.path == (tmp_path / "test_hf_bert.py").resolve()
    assert set(hf_testgen.__all__) >= {"select", "SelectionRequest", "Selection", "generate"}
    with pytest.raises(AttributeError):
        _ = hf_testgen.no_such_name


def test_requirements_do_not_repeat_pyproject():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == ["-e ."]


def test_py_typed_ships():
    assert (ROOT / "hf_testgen" / "py.typed").is_file()
    assert "py.typed" in (ROOT / "pyproject.toml").read_text()

