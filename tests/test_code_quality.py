"""House style is checked with the tests: ruff (lint + format), mypy strict on core, and the
shape of the tests (they mirror the package, read no private attributes, wait on conditions)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff missing",
)
def test_ruff_lint_and_format() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    lint = _run(ruff, "check", ".")
    assert lint.returncode == 0, lint.stdout
    fmt = _run(ruff, "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout


def test_mypy_strict_on_core() -> None:
    result = _run(sys.executable, "-m", "mypy", "desktop_search")
    assert result.returncode == 0, result.stdout


def test_modules_stay_small() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / "desktop_search").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}


TESTS = REPO / "tests"
MIRROR_SHARE = 0.9  # of the package's modules that have a test module of the same path


def _package_modules() -> list[Path]:
    return sorted(
        p.relative_to(REPO / "desktop_search")
        for p in (REPO / "desktop_search").rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    )


def _mirror(module: Path) -> Path:
    return TESTS / module.parent / f"test_{module.name}"


def test_tests_mirror_the_package() -> None:
    modules = _package_modules()
    unmirrored = [str(m) for m in modules if not _mirror(m).is_file()]
    assert modules and len(unmirrored) <= (1 - MIRROR_SHARE) * len(modules), unmirrored


def _test_sources() -> dict[Path, ast.Module]:
    """Every Python file of the tests (test modules, conftest files, helpers), parsed."""
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(TESTS.rglob("*.py"))}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _names_the_tests_define(trees: dict[Path, ast.Module]) -> set[str]:
    """Attributes the tests make themselves: ``self.<name> = ...`` and what their own classes
    define (methods, class attributes). Reading those is the tests' own business."""
    defined: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    defined.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        defined.add(item.name)
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        defined.add(item.target.id)
                    elif isinstance(item, ast.Assign):
                        defined.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return defined


def private_reads(trees: dict[Path, ast.Module]) -> list[str]:
    """``x._name`` in the tests where ``_name`` is not the tests' own (so the package's)."""
    own = _names_the_tests_define(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and node.attr not in own
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}")
    return sorted(found)


def test_tests_read_no_private_attributes() -> None:
    assert private_reads(_test_sources()) == []


def test_the_private_attribute_check_finds_a_private_read() -> None:
    tree = ast.parse("def test(engine):\n    engine.store._db.execute('SELECT 1')\n")
    assert private_reads({TESTS / "test_example.py": tree}) == ["tests/test_example.py:2: ._db"]


def _is_sleep(node: ast.AST) -> bool:
    """``time.sleep(...)`` or a bare ``sleep(...)`` (imported from time)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr == "sleep" and isinstance(func.value, ast.Name) and func.value.id == "time"
    return isinstance(func, ast.Name) and func.id == "sleep"


def fixed_sleeps(trees: dict[Path, ast.Module]) -> list[str]:
    """Sleeps that are not inside a ``while`` loop: a fixed wait instead of a wait for a
    condition. A sleep in a ``while`` is a poll (until a deadline or a condition), and the
    scripts that child processes run are string literals, not code here."""
    found = []
    for path, tree in trees.items():
        polled: set[int] = set()
        for loop in ast.walk(tree):
            if isinstance(loop, ast.While):
                polled.update(id(node) for node in ast.walk(loop) if _is_sleep(node))
        found += [
            f"{path.relative_to(REPO)}:{node.lineno}"
            for node in ast.walk(tree)
            if _is_sleep(node) and id(node) not in polled
        ]
    return sorted(found)


def test_tests_wait_on_conditions_not_fixed_sleeps() -> None:
    tests = {p: tree for p, tree in _test_sources().items() if p.name.startswith("test_")}
    assert fixed_sleeps(tests) == []


def test_the_sleep_check_tells_a_poll_from_a_fixed_wait() -> None:
    source = (
        "import time\n"
        "def test_fixed():\n"
        "    time.sleep(1)\n"
        "def test_polled(done):\n"
        "    while not done():\n"
        "        time.sleep(0.01)\n"
        "CHILD = 'import time; time.sleep(120)'\n"
    )
    assert fixed_sleeps({TESTS / "test_example.py": ast.parse(source)}) == ["tests/test_example.py:3"]
