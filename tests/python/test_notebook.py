"""examples/notebooks/province_progress.ipynb runs top to bottom with nbclient
in a kernel of this interpreter (the one yanxiu is installed in), and is kept
in git with its outputs stripped."""
from __future__ import annotations

import json
import pathlib
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "examples" / "notebooks" / "province_progress.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.fixture()
def kernel_name(tmp_path, monkeypatch):
    # Debian's python3 kernel runs /usr/bin/python3, which cannot see the
    # virtual environment; a kernel spec of our own runs this interpreter.
    spec = tmp_path / "kernels" / "yanxiu-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "yanxiu test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return "yanxiu-test"


def test_notebook_runs_top_to_bottom(kernel_name, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=kernel_name,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError if any cell errors

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "yanxiu.Evaluation" in html            # the evaluation's Jupyter view
    assert "coverage_denominator" in html          # the report table
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the charts
    text = "".join(o.get("text", "") for o in outputs)
    assert "·" in text and "学习中" in text        # a teacher's explanation in Chinese
