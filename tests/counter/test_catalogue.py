"""The seeded sample catalogue (acceptance: ≥ 200 items over the three levels, marked as sample data,
publishable under the rules) and its editing: a new version, suspension, admission."""

from __future__ import annotations

import pytest

from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions, queries, seed
from civicgrid.counter.models import ItemVersion, ServiceItem

pytestmark = pytest.mark.django_db


def test_the_sample_catalogue_holds_over_200_published_items_on_three_levels():
    seed.ensure()
    published = queries.published_items().filter(sample=True)
    assert published.count() >= 200
    assert set(published.values_list("level", flat=True)) == {"district", "street", "community"}
    for name in ("最低生活保障", "特困人员救助供养", "临时救助", "高龄津贴", "残疾人两项补贴", "居住证", "就业失业登记",
                 "城乡居民基本医疗保险", "城乡居民养老保险", "老年人优待证", "生育登记", "廉租房收入认证"):
        assert published.filter(name__startswith=name).exists(), name
    # every seeded version obeys the publication rules
    for version in ItemVersion.objects.filter(item__sample=True).prefetch_related("materials"):
        actions.check_publishable(version)
    # pinyin initials find items: 临时救助 → lsjz
    assert queries.search_items("lsjz").filter(name__startswith="临时救助").exists()
    assert ServiceItem.objects.filter(sample=True, node="main").count() >= 60


def test_a_seeded_item_is_edited_like_any_other(tree):
    seed.ensure()
    item = ServiceItem.objects.get(code="MZ001-01")
    version = actions.do_save_draft(actor=SYSTEM, item=item, materials=[{"name": "居民身份证", "source": "id"}],
                                    item_type="payment", legal_basis="《社会救助暂行办法》", legal_days=30,
                                    promised_days=7)
    actions.do_publish_version(actor=SYSTEM, version=version)
    item.refresh_from_db()
    assert item.current.number == 2 and item.current.promised_days == 7
    actions.do_set_version_status(actor=SYSTEM, version=item.current, status="suspended")
    assert not queries.published_items().filter(pk=item.pk).exists()
    actions.do_set_admission(actor=SYSTEM, item=item, admitted=False)
    assert ServiceItem.objects.get(pk=item.pk).community_admitted is False


def test_catalogue_export_and_import_round_trip(counter_cast, client_for):
    import io

    from openpyxl import load_workbook

    from civicgrid.core.models import AuditLog
    from civicgrid.counter.catalogue_io import HEADER

    seed.ensure()
    admin = client_for(counter_cast["district"])
    r = admin.get("/api/counter/items.xlsx")
    assert r.status_code == 200
    data = r.content
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) > 270
    # a window clerk may not export or import the catalogue
    assert client_for(counter_cast["clerk"]).get("/api/counter/items.xlsx").status_code == 403
    # Change one promise in the sheet and add an item; import: new versions, published.
    book = load_workbook(io.BytesIO(data))
    ws = book.active
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "MZ003-01":
            row[HEADER.index("承诺时限")].value = 2
    ws.append(["ZZ900-01", "测试事项（申请）", "handling", "", "civil_affairs", "community", "是", "否", 1, "已发布",
               "public_service", "", "", 5, 1, "不收费", "", 1, "否", "", "5", "", "", "", "否", "",
               "居民身份证|是|1|是|id|；申请表|是|1|是||"])
    out = io.BytesIO()
    book.save(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = admin.post("/api/counter/items-import", {"file": SimpleUploadedFile("c.xlsx", out.getvalue())})
    assert r.status_code == 200, r.content[:500]
    assert ServiceItem.objects.get(code="MZ003-01").current.promised_days == 2
    new = ServiceItem.objects.get(code="ZZ900-01")
    assert new.current.materials.count() == 2 and new.community_admitted
    assert AuditLog.objects.filter(action="counter.item.import").count() == 1
    # A row breaking a rule refuses the whole file, naming the row.
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "MZ003-02":
            row[HEADER.index("承诺时限")].value = 99
    out = io.BytesIO()
    book.save(out)
    before = ItemVersion.objects.count()
    r = admin.post("/api/counter/items-import", {"file": SimpleUploadedFile("c.xlsx", out.getvalue())})
    assert r.status_code == 400 and "MZ003-02" in r.json()["detail"]
    assert ItemVersion.objects.count() == before
    r = admin.post("/api/counter/items-import", {"file": SimpleUploadedFile("c.xlsx", b"not a sheet")})
    assert r.status_code == 400
