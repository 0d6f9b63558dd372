"""A module of the user's own (``modules.<id>.wasm``) on the real fleet, and bad ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.scenario import load
from runtime.driver import run_fleet

EXAMPLES = Path(__file__).parents[2] / "examples"


def scenario_with(tmp_path: Path, module: str, text: str | bytes | None = None) -> Path:
    """The example scenario beside a module file ``module`` (written from ``text``, or
    the example module when None)."""
    scenario = tmp_path / "own.yaml"
    scenario.write_text((EXAMPLES / "own-module.yaml").read_text().replace("own-module.wat", module))
    if text is None:
        shutil.copy(EXAMPLES / "own-module.wat", tmp_path / module)
    elif isinstance(text, bytes):
        (tmp_path / module).write_bytes(text)
    else:
        (tmp_path / module).write_text(text)
    return scenario


def test_the_example_module_rolls_out_on_real_workers(tmp_path):
    path = scenario_with(tmp_path, "mine.wat")
    scenario = load(path)
    assert scenario.modules["image-processor-v2.0.0"].wasm == str(tmp_path / "mine.wat")  # made absolute
    result = run_fleet(scenario, 0, nodes=4, time_scale=3000, rate=2000)
    assert result["outcome"] == "Succeeded", result["reason"]
    assert result["finalState"]["newModuleNodes"] == 4
    assert result["blastRadius"]["requests"] > 0 and result["blastRadius"]["failedRequests"] == 0


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("garbage.wasm", b"\x00asm\x01\x00\x00\x00 not a module", "not valid WebAssembly"),
        ("text.wat", "(module (func $broken (result i32)))", "not valid WebAssembly"),
        ("bare.wat", '(module (memory (export "memory") 1))', "exports no health_check"),
        (
            "no-batch.wat",
            '(module (memory (export "memory") 1) (func (export "health_check") (result i32 i32) '
            "(i32.const 0) (i32.const 0)))",
            "exports no process_batch",
        ),
    ],
)
@pytest.mark.parametrize("command", [["run", "--backend", "real"], ["validate"]])
def test_a_module_file_that_cannot_play_is_bad_input(tmp_path, name, text, says, command):
    path = scenario_with(tmp_path, name, text)
    result = CliRunner().invoke(main, [command[0], str(path), *command[1:]])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"hotswap: {path}: modules.image-processor-v2.0.0.wasm: {says}")


def test_a_missing_module_file_is_bad_input_on_any_backend(tmp_path):
    scenario = tmp_path / "own.yaml"
    scenario.write_text((EXAMPLES / "own-module.yaml").read_text().replace("own-module.wat", "nowhere.wat"))
    result = CliRunner().invoke(main, ["run", str(scenario)])
    assert result.exit_code == 2
    assert result.stderr == f"hotswap: {scenario}: modules.image-processor-v2.0.0.wasm: no such file: nowhere.wat\n"


def test_a_variant_and_a_file_together_are_refused(tmp_path):
    path = scenario_with(tmp_path, "mine.wat")
    path.write_text(path.read_text().replace("wasm: mine.wat", "wasm: mine.wat\n    variant: v1.2.0"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "modules.image-processor-v2.0.0: give a variant or a wasm file, not both" in result.stderr
