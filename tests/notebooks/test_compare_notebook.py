"""The analysis notebook runs top to bottom, from any directory, with or without Parquet."""

from pathlib import Path

import pytest

from hotswap.reports import compare, comparison_report
from hotswap.scenario import load

ROOT = Path(__file__).parents[2]


def execute(cwd: Path) -> list:
    """The notebook's code cells after running it with ``cwd`` as its working directory."""
    nbformat = pytest.importorskip("nbformat", reason="the [notebook] extra")
    nbclient = pytest.importorskip("nbclient", reason="the [notebook] extra")
    notebook = nbformat.read(ROOT / "notebooks" / "compare.ipynb", as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert sum(o.output_type == "display_data" for c in code for o in c.outputs) == 2  # the two plots
    return code


def test_the_notebook_executes_on_a_small_comparison_written_without_parquet(tmp_path, monkeypatch):
    scenario = load(ROOT / "scenarios" / "canary.yaml")
    frame, records = compare.measure(compare.cases(scenario, ["Canary", "Rolling", "BlueGreen"]), runs=3, seed=1)
    folder = tmp_path / "compare"
    comparison_report.write(folder, "t", "intro", frame, compare.summary(frame), records)
    (folder / "runs.parquet").unlink(missing_ok=True)  # as the plain install writes it: CSV only
    monkeypatch.setenv("HOTSWAP_COMPARE_DIR", str(folder))
    code = execute(tmp_path)
    assert f"{len(frame)} runs from {folder}" in code[0].outputs[0]["text"]


def test_the_notebook_finds_the_reference_comparison_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTSWAP_COMPARE_DIR", raising=False)
    code = execute(tmp_path)  # neither notebooks/ nor the repository
    assert f"runs from {ROOT / 'reports' / 'compare-10k'}" in code[0].outputs[0]["text"]
