"""The provider application and pages (issue 14, finding 8): the credit code and the phones are
checked, the community is chosen from a list, the 82 service items fold by category with a search,
the history reads in words, the rating drop-down starts empty."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions
from civicgrid.circle.models import Provider, ServiceItem
from civicgrid.core.errors import UserError
from civicgrid.core.idnumber import make_uscc

from ..conftest import make_user

USCC = make_uscc("91330106MA2H4K7X3")


@pytest.fixture
def resident(tree):
    return make_user("jumin", Role.RESIDENT, tree["330106001001001"])


def apply(client, **extra):
    data = {"community": "330106001001", "name": "好邻居家政", "credit_code": USCC, "contact_name": "张三",
            "contact_phone": "13800001111", "hotline": "", "manner": ""} | extra
    return client.post("/circle/providers/apply/", data)


def test_bad_credit_code_and_phone_are_refused_beside_their_fields(resident, client_for):
    c = client_for(resident)
    bad_code = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    r = apply(c, credit_code=bad_code, contact_phone="abc", hotline="12")
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert set(errors) >= {"credit_code", "contact_phone", "hotline"}
    page = r.content.decode()
    assert "统一社会信用代码: " in page or "统一社会信用代码：" in page
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
    assert "credit_code" not in text and "contact_phone" not in text  # no internal name shown
    assert not Provider.objects.exists()
    with pytest.raises(UserError) as err:  # the action checks the same for the API
        actions.do_apply_provider(actor=resident, community_code="330106001001", name="x", contact_name="y",
                                  contact_phone="abc")
    assert err.value.field == "contact_phone"
    r = apply(c, credit_code=USCC.lower())
    assert r.status_code == 302
    assert Provider.objects.get().credit_code == USCC


def test_the_community_is_chosen_from_a_list_grouped_by_street(resident, client_for):
    page = client_for(resident).get("/circle/providers/apply/").content.decode()
    select = re.search(r'<select name="community".*?</select>', page, re.S).group(0)
    assert '<optgroup label="街道330106001">' in select and '<option value="330106001001">社区330106001001' in select
    assert apply(client_for(resident), community="330106001001001").context["form"].errors["community"]


def test_the_service_items_fold_by_category_with_a_search(resident, client_for):
    page = client_for(resident).get("/circle/providers/apply/").content.decode()
    assert 'id="item-search"' in page
    assert page.count("<details") == 6 and page.count('data-item="') == ServiceItem.objects.count() == 82
    items = list(ServiceItem.objects.filter(category__code="03")[:2])
    r = apply(client_for(resident), items=[i.pk for i in items])
    assert r.status_code == 302
    assert set(Provider.objects.get().items.all()) == set(items)


def test_history_in_words_and_the_rating_starts_empty(tree, people, resident, client_for):
    p = actions.do_apply_provider(actor=resident, community_code="330106001001", name="好邻居家政",
                                  contact_name="张三", contact_phone="13800001111",
                                  items=list(ServiceItem.objects.all()[:1]))
    today = dt.date.today()
    p = actions.do_transition_provider(p, "approve", actor=people["community"], note="议事会同意")
    p = actions.do_transition_provider(p, "sign", actor=people["community"], agreement_number="QK-1",
                                       agreement_until=today + dt.timedelta(days=400))
    p = actions.do_transition_provider(p, "publish", actor=people["community"], hotline="0571-96345")
    page = client_for(people["community"]).get(f"/circle/providers/{p.pk}/").content.decode()
    history = re.search(r'<ol class="list-unstyled small" id="history">.*?</ol>', page, re.S).group(0)
    assert "提交申请" in history and "居民议事会已通过" in history and "applied" not in history
    assert "→" not in history
    my = client_for(resident).get("/circle/my/").content.decode()
    select = re.search(r'<select name="score".*?</select>', my, re.S).group(0)
    assert re.search(r'<option value="" selected>', select) and "required" in select
    r = client_for(resident).post(f"/circle/providers/{p.pk}/rate/", {"score": "", "comment": "上门很准时"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "data-rate-error" in page and 'value="上门很准时"' in page  # beside the score, the comment kept
    p.refresh_from_db()
    assert p.rating_count == 0  # an empty score rates nothing
