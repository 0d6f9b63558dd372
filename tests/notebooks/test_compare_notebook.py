"""The analysis notebook runs top to bottom on a small comparison."""

from pathlib import Path

import pytest

from hotswap.reports import compare, comparison_report
from hotswap.scenario import load

ROOT = Path(__file__).parents[2]


def test_the_notebook_executes_on_a_small_comparison(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is a test dependency")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is a test dependency")
    scenario = load(ROOT / "scenarios" / "canary.yaml")
    frame, records = compare.measure(compare.cases(scenario, ["Canary", "Rolling", "BlueGreen"]), runs=3, seed=1)
    comparison_report.write(tmp_path, "t", "intro", frame, compare.summary(frame), records)
    monkeypatch.setenv("HOTSWAP_COMPARE_DIR", str(tmp_path))
    notebook = nbformat.read(ROOT / "notebooks" / "compare.ipynb", as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert f"{len(frame)} runs from {tmp_path}" in code[0].outputs[0]["text"]
    assert sum(o.output_type == "display_data" for c in code for o in c.outputs) == 2  # the two plots
