"""The analyst notebooks: each runs top to bottom on a small generated community, draws at
least one figure and ends with findings computed from the data, and on a community that lacks
what it needs says so before it starts; committed notebooks carry no outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from graph_schema import open_store
from models import Community, Group, Member
from service.notebooks import STORE_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_four_notebooks_are_there() -> None:
    assert [path.stem for path in NOTEBOOKS] == [
        "01_community_overview", "02_interest_landscape", "03_recommendation_audit",
        "04_group_formation"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in _code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_asks_a_question_and_ends_with_computed_findings(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].cell_type == "markdown" and "**Question:**" in cells[0].source
    findings = [cell for cell in cells if "findings" in cell.metadata.get("tags", [])]
    assert findings == [_code_cells(nbformat.read(path, as_version=4))[-1]]
    assert "display(Markdown(" in findings[0].source


def _execute(notebook: nbformat.NotebookNode, path: Path, store: str,
             monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``notebook`` (read from ``path``) on the community in ``store``, in place."""
    # The kernel is another process: it gets the community, and this checkout's code, through
    # its environment. The inline backend is non-interactive and keeps figures as PNG outputs.
    monkeypatch.setenv(STORE_VARIABLE, store)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_and_reports(path: Path, generated_store: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = nbformat.read(path, as_version=4)
    _execute(notebook, path, generated_store, monkeypatch)
    outputs = [output for cell in _code_cells(notebook) for output in cell.outputs]
    assert any("image/png" in output.get("data", {}) for output in outputs)
    findings = [output["data"]["text/markdown"] for output in _code_cells(notebook)[-1].outputs
                if "text/markdown" in output.get("data", {})]
    assert len(findings) == 1 and findings[0].count("- **") >= 3
    assert not re.search(r"\bnan\b|\binf\b", findings[0], re.IGNORECASE), findings[0]


@pytest.fixture(scope="module")
def roster_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A community as a roster imports it: members known by id alone, in groups, no ties."""
    location = str(tmp_path_factory.mktemp("roster") / "store.db")
    members = [Member(id=f"r{i:02d}") for i in range(12)]
    groups = [Group(id=f"g{g}", name=f"Project {g}", members=[m.id for m in members[g::3]])
              for g in range(3)]
    with open_store(location) as store:
        store.write(Community(members=members, groups=groups))
    return location


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_notebook_says_what_a_roster_lacks_before_it_starts(
        path: Path, roster_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = nbformat.read(path, as_version=4)
    with pytest.raises(CellExecutionError) as stopped:
        _execute(notebook, path, roster_store, monkeypatch)
    assert "NotEnoughDataError" in str(stopped.value)
    assert re.search(r"the community analysed lacks (roles|interests or skills)",
                     str(stopped.value))
    ran = [cell for cell in _code_cells(notebook) if cell.execution_count is not None]
    assert len(ran) == 1  # stopped in its first cell, before any chart
