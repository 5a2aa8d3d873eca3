"""dvc.yaml names as a dependency every amt module its stages run, so that a change to one re-runs them."""

import ast
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
# Plumbing (package marker, errors, atomic writes, the stage runner): it cannot change what a stage computes.
PLUMBING = {"amt/__init__.py", "amt/core/atomic.py", "amt/core/errors.py", "amt/core/stage.py"}


def _module_file(name: str) -> Path | None:
    """The file of module ``name`` in this repository; None for a name imported from a module."""
    base = REPO.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def _imported(path: Path) -> set[str]:
    """amt modules, with their parent packages, that ``path`` imports anywhere in its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    parts = [name.split(".") for name in names if name.split(".")[0] == "amt"]
    return {".".join(part[:end]) for part in parts for end in range(1, len(part) + 1)}


def _run_by(stage_file: Path) -> set[str]:
    """Every amt file that ``stage_file`` imports, directly or through others."""
    seen: set[Path] = set()
    todo = [stage_file]
    while todo:
        path = todo.pop()
        for name in _imported(path):
            found = _module_file(name)
            if found is not None and found not in seen:
                seen.add(found)
                todo.append(found)
    return {str(path.relative_to(REPO)) for path in seen}


def _covered(file: str, deps: list[str]) -> bool:
    return any(file == dep or file.startswith(dep.rstrip("/") + "/") for dep in deps)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_amt_module_a_stage_runs_is_a_dependency(stage):
    command = STAGES[stage]["cmd"].split()
    entry = REPO / f"{command[-1].replace('.', '/')}.py"
    deps = STAGES[stage]["deps"]
    missing = sorted(file for file in _run_by(entry) - PLUMBING if not _covered(file, deps))
    assert missing == [], f"dvc.yaml: stage {stage} runs {missing} without naming them in its deps"


def test_the_import_walk_follows_imports_through_modules():
    files = _run_by(REPO / "stages" / "train.py")
    assert {
        "amt/training/run.py",
        "amt/training/parallel.py",
        "amt/models/convstack.py",
        "amt/__init__.py",
    } <= files
    assert not any(file.startswith("stages/") for file in files)
