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
