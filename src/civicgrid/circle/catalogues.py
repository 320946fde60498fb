"""Seed data of the 15-minute community service circle (一刻钟社区服务圈, seed 001).

The facility set 一校、二栏、四场、五室、六中心、九网点 is ``models.FacilityKind``. The plan
names six service categories with 82 basic items (六大类82项) but does not list the items;
the list below is our working catalogue drawn from the plan's own wording for each category
(government affairs 16, convenience 16, health 13, culture and sports 13, safety 12, public
welfare 12 = 82), seeded by migration and editable in the admin.
"""

from __future__ import annotations

# (code, name, [items])
SERVICE_CATALOGUE: list[tuple[str, str, list[str]]] = [
    ("01", "政务服务", [
        "一站式服务大厅受理", "政务公开栏", "便民信息查询", "社会保险登记", "医疗保险办理", "就业失业登记",
        "最低生活保障申请", "优抚对象服务", "老年人优待证办理", "残疾人证件服务", "未成年人保护服务",
        "计划生育服务", "居住证明开具", "户籍事项代办", "全科社工综合受理", "政务事项帮办代办",
    ]),
    ("02", "便民服务", [
        "餐饮", "超市便利店", "理发", "洗衣", "药店", "金融网点", "邮政快递", "家政服务", "通信网点",
        "农贸市场", "便民维修", "智慧便利店", "早餐供应", "菜篮子直供", "停车服务", "特色服务项目",
    ]),
    ("03", "健康服务", [
        "居民健康档案", "定期体检", "健康指导", "预防保健", "健康教育", "康复治疗", "计生服务",
        "常见病诊疗", "慢性病管理", "老年人健康管理", "日间照料", "生活照料", "精神慰藉",
    ]),
    ("04", "文体服务", [
        "幼儿园", "中小学校", "教育培训", "健身广场", "公共绿地", "慢行步道", "文化活动中心", "社区活动室",
        "社区图书室", "健身器材", "社区文化节", "艺术节", "党建与教育培训活动",
    ]),
    ("05", "平安服务", [
        "群防群治", "治安巡防", "社情民意收集", "矛盾纠纷排查调处", "安全培训教育", "安全防范设施",
        "外来人口服务管理", "刑满释放人员帮教", "社区矫正对象管理", "重点青少年帮扶", "应急小屋", "应急救援服务",
    ]),
    ("06", "公益服务", [
        "社会组织培育", "志愿者注册登记", "公益帮扶救助", "节日志愿活动", "公益服务品牌", "红色物业",
        "生活照料志愿服务", "家庭应急抢修", "扶贫济困", "医疗保健志愿服务", "法律援助", "精神关怀",
    ]),
]


def seed_catalogue(category_model, item_model) -> None:
    """Create missing categories and items (edited rows stay)."""
    for code, name, items in SERVICE_CATALOGUE:
        category, _ = category_model.objects.get_or_create(code=code, defaults={"name": name})
        for n, item in enumerate(items, start=1):
            item_model.objects.get_or_create(code=f"{code}{n:02d}", defaults={"category": category, "name": item})
