"""Finding 10 of issue 14: no 404 for /favicon.ico; no setuptools warning about `project.license`."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_favicon_ico_is_served_from_the_projects_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.django_db
def test_every_page_links_the_icon(client):
    html = client.get("/login/").content.decode()
    assert 'rel="icon"' in html and "civicgrid/favicon.svg" in html


def test_pyproject_license_is_an_spdx_string_and_the_build_uses_a_setuptools_that_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # A TOML table ({text = …}) makes setuptools ≥ 77 warn on every build (make run, make test).
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in project["build-system"]["requires"]
    constraints = (ROOT / "constraints-build.txt").read_text(encoding="utf-8")
    assert "setuptools>=77,<81" in constraints.split()
