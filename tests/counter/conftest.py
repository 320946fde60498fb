"""Fixtures of the counter: a small published catalogue, residents in the register, the posts."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions
from civicgrid.counter.models import ServiceItem
from civicgrid.registry import actions as registry_actions

from ..conftest import make_user

COMMUNITY, OTHER_COMMUNITY, STREET = "330106001001", "330106001002", "330106001"
GRID = "330106001001001"


def make_item(code="T001", name="最低生活保障申请", *, level="street", department="civil_affairs", admitted=True,
              legal=30, promised=5, item_type="payment", basis="《社会救助暂行办法》第十一条", materials=None,
              situations=None, online=False, publish=True):
    item = actions.do_create_item(actor=SYSTEM, code=code, name=name, department=department, level=level,
                                  community_admitted=admitted)
    materials = materials if materials is not None else [
        {"code": "M01", "name": "居民身份证", "source": "id"},
        {"code": "M02", "name": "户口簿", "source": "household"},
        {"code": "M03", "name": "家庭收入证明"},
        {"code": "M04", "name": "家庭财产申报表"},
        {"code": "M05", "name": "银行账户信息", "original": False},
        {"code": "M06", "name": "残疾人证", "source": "tag:disabled", "situations": ["S2"]},
        {"code": "M07", "name": "其他证明材料", "required": False},
    ]
    situations = situations if situations is not None else [
        {"code": "S1", "question": "家庭成员是否有残疾人？", "label": "家庭成员无残疾人"},
        {"code": "S2", "question": "家庭成员是否有残疾人？", "label": "家庭成员有残疾人"},
    ]
    version = actions.do_save_draft(actor=SYSTEM, item=item, materials=materials, situations=situations,
                                    item_type=item_type, legal_basis=basis, legal_days=legal, promised_days=promised,
                                    online=online, visits=1)
    if publish:
        actions.do_publish_version(actor=SYSTEM, version=version)
        version.refresh_from_db()
    return ServiceItem.objects.get(pk=item.pk), version


_SEQ = [0]


def make_person(grid=GRID, name="王秀兰", tags=(), household=True):
    from civicgrid.registry.actions.households import do_create_household

    _SEQ[0] += 1
    number = make_id_number("330106", dt.date(1960, 5, 1), _SEQ[0] * 2, "F")
    person = registry_actions.do_register_person(actor=SYSTEM, grid_code=grid, name=name, id_number=number,
                                                 sex="F", tags=list(tags))
    if household:
        do_create_household(actor=SYSTEM, head=person)
        person.refresh_from_db()
    person.id_number_plain = number
    return person


@pytest.fixture
def counter_cast(tree, units, people):
    from civicgrid.accounts import actions as account_actions

    dept = account_actions.do_create_unit(actor=SYSTEM, code="MZJ", name="区民政局", kind="department",
                                          area=tree["330106"], department="civil_affairs")
    hrss = account_actions.do_create_unit(actor=SYSTEM, code="RSJ", name="区人社局", kind="department",
                                          area=tree["330106"], department="hrss")
    return {
        "clerk": make_user("clerk_c1", Role.WINDOW_CLERK, tree[COMMUNITY]),
        "clerk_other": make_user("clerk_c2", Role.WINDOW_CLERK, tree[OTHER_COMMUNITY]),
        "street_clerk": make_user("clerk_s1", Role.WINDOW_CLERK, tree[STREET]),
        "handler": make_user("mz_handler", Role.DEPT_HANDLER, unit=dept),
        "hrss_handler": make_user("rs_handler", Role.DEPT_HANDLER, unit=hrss),
        "seat": make_user("seat_cb", Role.ACCEPTANCE_SEAT, unit=units["330106"]),
        "district": people["district"],
    }
