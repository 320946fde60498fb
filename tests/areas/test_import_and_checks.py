import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.areas.actions import do_import_areas, do_update_area
from civicgrid.areas.models import Area
from civicgrid.areas.validation import check_subtree
from civicgrid.core.errors import Conflict, NotPermitted
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM

from ..conftest import collection, feature, make_user, rect, tree_features


def test_import_builds_the_tree_with_parents_and_bboxes(tree):
    grid = tree["330106001001001"]
    assert grid.level == "grid" and grid.parent.code == "330106001001"
    assert grid.parent.parent.parent.code == "330106"
    assert grid.bbox == pytest.approx((120.0, 30.2, 120.02, 30.22))
    assert Area.objects.count() == 30
    assert check_subtree("330106") == []


def test_reimport_of_the_same_file_changes_nothing(tree):
    report = do_import_areas(collection(tree_features()), actor=SYSTEM)
    assert report.committed and len(report.unchanged) == 30 and not report.created and not report.updated


def test_structural_errors_reject_the_whole_file_and_name_the_field(db):
    features = tree_features()[:15]
    features.append(feature("33010600100", "坏编码", rect(0, 0, 1, 1)))  # 11 digits
    features.append(feature("330106001001003", "", rect(120.0, 30.2, 120.01, 30.21)))  # no name
    features.append({"type": "Feature", "properties": {"code": "330106001002003", "name": "自交"},
                     "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}})
    features.append(feature("330199001", "无上级", rect(121, 30, 121.1, 30.1)))
    report = do_import_areas(collection(features), actor=SYSTEM)
    assert not report.committed
    assert Area.objects.count() == 0
    by_field = {(e["code"], e["field"]) for e in report.errors}
    assert ("33010600100", "code") in by_field
    assert ("330106001001003", "name") in by_field
    assert ("330106001002003", "geometry") in by_field
    assert ("330199001", "code") in by_field
    bowtie = next(e for e in report.errors if e["code"] == "330106001002003")
    assert "Self-intersection" in bowtie["message"] or "自相交" in bowtie["message"]


def test_overlap_gap_and_outside_parent_are_reported_with_names_and_refused(tree):
    # Grid 001 grows east into grid 002 (overlap) and grid 002 of the other community shrinks (gap),
    # and a grid pokes outside its community.
    features = [
        feature("330106001001001", "网格甲", rect(120.0, 30.2, 120.025, 30.22)),
        feature("330106001002002", "网格乙", rect(120.02, 30.22, 120.035, 30.24)),
        feature("330106002001001", "网格丙", rect(120.04, 30.19, 120.06, 30.22)),
    ]
    report = do_import_areas(collection(features), actor=SYSTEM)
    assert not report.committed
    kinds = {(v["kind"], tuple(v["codes"])) for v in report.violations}
    assert ("overlap", ("330106001001001", "330106001001002")) in kinds
    assert ("gap", ("330106001002",)) in kinds
    assert ("outside_parent", ("330106002001001", "330106002001")) in kinds
    overlap = next(v for v in report.violations if v["kind"] == "overlap")
    assert "网格甲" in overlap["names"] and overlap["area_m2"] > 1000
    assert Area.objects.get(code="330106001001001").name == "网格330106001001001"  # rolled back


def test_violations_can_be_accepted_explicitly(tree):
    features = [feature("330106001001001", "网格甲", rect(120.0, 30.2, 120.025, 30.22))]
    report = do_import_areas(collection(features), actor=SYSTEM, allow_violations=True)
    assert report.committed and report.violations
    assert Area.objects.get(code="330106001001001").name == "网格甲"


def test_tolerance_ignores_slivers(tree, settings):
    # A 1e-7° (~1 cm) shift along a 2.2 km edge makes a ~21 m² sliver: under 50 m², over 1 m².
    features = [feature("330106001001001", "网格甲", rect(120.0, 30.2, 120.0200001, 30.22))]
    settings.CIVICGRID_AREA_TOLERANCE_M2 = 50.0
    assert do_import_areas(collection(features), actor=SYSTEM).committed
    settings.CIVICGRID_AREA_TOLERANCE_M2 = 1.0
    assert [v["kind"] for v in do_import_areas(collection(features), actor=SYSTEM, dry_run=True).violations] == [
        "overlap"
    ]


def test_dry_run_writes_nothing(db):
    report = do_import_areas(collection(tree_features()), actor=SYSTEM, dry_run=True)
    assert not report.committed and len(report.created) == 30
    assert Area.objects.count() == 0


def test_importer_must_hold_the_capability_in_that_district(people):
    other = [feature("330108001001001", "别区网格", rect(120.08, 30.2, 120.1, 30.22))]
    report = do_import_areas(collection(other), actor=people["district"])
    assert not report.committed and report.errors[0]["message"]
    own = [feature("330106001001001", "本区网格", rect(120.0, 30.2, 120.02, 30.22))]
    assert do_import_areas(collection(own), actor=people["district"]).committed
    assert not do_import_areas(collection(own), actor=people["street"]).committed  # street admins cannot import


def test_update_checks_version_and_scope(people, tree):
    area = tree["330106001"]
    do_update_area(area, actor=people["street"], expected_version=area.version, name="新街道")
    with pytest.raises(Conflict):
        do_update_area(area, actor=people["street"], expected_version=area.version, name="旧版本")
    with pytest.raises(NotPermitted):
        do_update_area(tree["330106002"], actor=people["street"], expected_version=1, name="别人的")
    with pytest.raises(NotPermitted):
        do_update_area(tree["330106001001"], actor=people["community"], expected_version=1, name="无权")
    assert AuditLog.objects.filter(action="areas.update", area_code="330106001").count() == 1


def test_web_import_preview_then_commit(people, client_for, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people["district"])
    body = json.dumps(collection([feature("330106001001001", "网格改名", rect(120.0, 30.2, 120.02, 30.22))]))
    upload = SimpleUploadedFile("grids.geojson", body.encode(), content_type="application/geo+json")
    page = client.post("/areas/import/", {"file": upload, "dry_run": "on"})
    assert page.status_code == 200 and page.context["report"].dry_run
    assert Area.objects.get(code="330106001001001").name != "网格改名"
    upload = SimpleUploadedFile("grids.geojson", body.encode(), content_type="application/geo+json")
    page = client.post("/areas/import/", {"file": upload})
    assert page.context["report"].committed
    assert Area.objects.get(code="330106001001001").name == "网格改名"
    bad = SimpleUploadedFile("bad.geojson", b"{not json", content_type="application/json")
    page = client.post("/areas/import/", {"file": bad})
    assert page.status_code == 200 and "file" in page.context["form"].errors


def test_export_round_trip(people, client_for, db):
    client = client_for(people["district"])
    exported = client.get("/areas/export.geojson?within=330106").json()
    assert {f["properties"]["code"] for f in exported["features"]} == {
        c for c in Area.objects.values_list("code", flat=True) if c.startswith("330106")
    }
    report = do_import_areas(exported, actor=SYSTEM, dry_run=True)
    assert not report.errors and not report.violations and len(report.unchanged) == 15


def test_cli_import_and_export(tmp_path, db, capsys):
    from django.core.management import call_command

    path = tmp_path / "tree.geojson"
    path.write_text(json.dumps(collection(tree_features())), encoding="utf-8")
    call_command("areas", "import", str(path))
    assert Area.objects.count() == 30
    out = tmp_path / "out.geojson"
    call_command("areas", "export", "--within", "330108", "-o", str(out))
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 15


def test_membership_levels_are_enforced(tree):
    from civicgrid.core.errors import UserError

    with pytest.raises(UserError):
        make_user("wrong", Role.GRID_WORKER, tree["330106001"])  # a grid worker belongs to a grid
