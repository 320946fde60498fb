"""Guardrails of the layout: the import-linter contract of pyproject.toml holds (and catches a layer
imported from below), and pages, API and Open311 modules read scoped models only through the apps'
``queries`` (Zulip's lint against raw ``Model.objects`` in views)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "civicgrid"
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else dict(os.environ)
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_layering_contract_holds():
    result = _lint()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_catches_a_lower_layer_importing_a_higher_one(tmp_path):
    copy = tmp_path / "civicgrid"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"))
    (copy / "areas" / "sneaky.py").write_text("from civicgrid.registry.models import Building  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "civicgrid.areas is not allowed to import civicgrid.registry" in result.stdout, result.stdout[-2000:]


# --- no raw reads of scoped models where users read ---------------------------------------------------
def _scoped_model_names() -> set[str]:
    from django.apps import apps

    names = set()
    for model in apps.get_models():
        if not model.__module__.startswith("civicgrid."):
            continue
        fields = {f.name for f in model._meta.get_fields()}
        if "area_code" in fields or model._meta.label == "areas.Area":
            names.add(model.__name__)
    return names


def _user_facing_modules() -> list[Path]:
    out = []
    for path in SRC.rglob("*.py"):
        name = path.name
        if "migrations" in path.parts or "management" in path.parts:
            continue
        if name in ("views.py", "api.py", "public_views.py") or name.endswith(("_views.py", "_api.py")) \
                or "open311" in path.parts:
            out.append(path)
    return out


@pytest.mark.django_db
def test_pages_api_and_open311_read_scoped_models_only_through_queries():
    scoped = _scoped_model_names()
    assert {"Case", "Person", "Building", "Provider", "Area", "OrgUnit", "CaseEvent"} <= scoped
    found = []
    modules = _user_facing_modules()
    assert len(modules) >= 10
    for path in modules:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")
                    and isinstance(node.value, ast.Name) and node.value.id in scoped):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == [], "read these through the app's queries (access_*/visible_*):\n" + "\n".join(found)
