"""The dependency rule of docs/architecture.md, read from every module's imports (function-level ones too).

`core` imports no project app; each app imports only the apps below it; nothing imports the project package
(`khuyenhoc`) but the project package itself. A new arrow against the rule fails here with the file and line.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each package may import, besides itself and third-party code (docs/architecture.md).
ALLOWED = {
    "core": set(),
    "chapters": {"core"},
    "members": {"core", "chapters"},
    "funds": {"core", "chapters"},
    "learning_models": {"core", "chapters", "members"},
    "awards": {"core", "chapters", "funds"},
    "reports": {"core", "chapters", "members", "funds", "awards", "learning_models"},
    "api": {"core", "chapters", "members", "funds", "awards", "learning_models", "reports"},
}
PROJECT = {*ALLOWED, "khuyenhoc"}


def imported_packages(path: Path):
    """(line, top-level package) of every absolute import in the module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def modules_of(package: str):
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def violations() -> list[str]:
    found = []
    for package, allowed in ALLOWED.items():
        for path in modules_of(package):
            for line, imported in imported_packages(path):
                if imported in PROJECT and imported != package and imported not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return found


def test_every_import_follows_the_dependency_rule():
    assert violations() == []


def private_imports() -> list[str]:
    """`from other.module import _private`: one module reaching into another's internals."""
    found = []
    for package in ALLOWED:
        for path in modules_of(package):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in PROJECT):
                    for alias in node.names:
                        if alias.name.startswith("_"):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name}")
    return found


def test_no_module_imports_another_modules_private_names():
    assert private_imports() == []


# Where new units and members are written: one writer each (issue 20, "one write path per record").
WRITERS = {
    "Unit": {"chapters/services/tree.py"},
    # members/dataset.py is the synthetic province generator for benchmarks (3,000,000 members by COPY, with
    # moves and dues already in their histories), not a path any user's data takes.
    "Member": {"members/services.py", "members/dataset.py"},
}


def writes_of(model: str) -> set[str]:
    """Modules that insert `model` rows: Model.objects.create/bulk_create, or a bulk helper given the model."""
    calls = (f"{model}.objects.create(", f"{model}.objects.bulk_create(")
    found = set()
    for package in ALLOWED:
        for path in modules_of(package):
            text = path.read_text()
            compact = "".join(text.split())
            if any(call in text for call in calls) or f"create_with_history({model}," in compact:
                found.add(str(path.relative_to(ROOT)))
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")).endswith(
                    "create_with_history"
                ):
                    args = [*node.args[:2], *(k.value for k in node.keywords if k.arg == "model")]
                    if any(isinstance(arg, ast.Name) and arg.id == model for arg in args):
                        found.add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("model", sorted(WRITERS))
def test_new_records_are_written_in_one_place(model):
    assert writes_of(model) <= WRITERS[model]


def test_the_rule_covers_every_app_installed():
    from django.conf import settings

    project_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert project_apps <= set(ALLOWED)


@pytest.mark.parametrize(
    "source, package",
    [("from reports.dashboard import dashboard\n", "members"), ("import chapters.models\n", "core")],
)
def test_an_upward_import_is_caught(tmp_path, monkeypatch, source, package):
    """The checker itself: a module importing against the rule is reported (so the first test can fail)."""
    fake_root = tmp_path
    (fake_root / package).mkdir()
    (fake_root / package / "bad.py").write_text(source)
    monkeypatch.setattr("tests.test_architecture.ROOT", fake_root)
    for other in ALLOWED:
        (fake_root / other).mkdir(exist_ok=True)
    assert violations() == [f"{package}/bad.py:1 imports {source.split()[1].split('.')[0]}"]
