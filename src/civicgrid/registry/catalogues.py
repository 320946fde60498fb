"""Seed data of the register's catalogues; editable afterwards in the admin.

- Component classes after CJ/T 214-2007 / GB/T 30428.2 (数字化城市管理信息系统 管理部件和事件):
  six major classes with their usual subclasses; the 4-digit class code sits in
  characters 7–10 of a component's 16-digit identifier.
- The information catalogue of Pingyao county's grid system (seed 004): seven classes,
  61 items, exactly as the plan lists them (class 5 names 党的建设 twice; both are kept,
  the second marked 二, so the count stays 61).
"""

from __future__ import annotations

# (major code, major name, default department kind, [(sub code, name), ...])
COMPONENT_CLASSES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("01", "公用设施", "chengguan", [
        ("01", "上水井盖"), ("02", "污水井盖"), ("03", "雨水井盖"), ("04", "雨水箅子"), ("05", "电力井盖"),
        ("06", "路灯井盖"), ("07", "通讯井盖"), ("08", "电视井盖"), ("09", "网络井盖"), ("10", "热力井盖"),
        ("11", "燃气井盖"), ("12", "公安井盖"), ("13", "无主井盖"), ("14", "消防栓"), ("15", "电力设施"),
        ("16", "路灯"), ("17", "地灯"), ("18", "景观灯"), ("19", "通讯交接箱"), ("20", "邮筒"),
        ("21", "信息亭"), ("22", "报刊亭"), ("23", "自动售货机"),
    ]),
    ("02", "道路交通", "housing", [
        ("01", "停车场"), ("02", "停车咪表"), ("03", "公交站亭"), ("04", "出租车站牌"), ("05", "加油站"),
        ("06", "交通标志牌"), ("07", "交通信号灯"), ("08", "交通岗亭"), ("09", "过街天桥"), ("10", "地下通道"),
        ("11", "高架立交桥"), ("12", "跨河桥"), ("13", "道路隔离设施"), ("14", "交通护栏"), ("15", "非机动车停放点"),
        ("16", "电子警察"), ("17", "道路"),
    ]),
    ("03", "市容环境", "sanitation", [
        ("01", "公共厕所"), ("02", "公厕指示牌"), ("03", "垃圾间（楼）"), ("04", "灯箱霓虹灯"), ("05", "广告牌匾"),
        ("06", "环卫休息点"), ("07", "垃圾箱"), ("08", "垃圾分类投放点"), ("09", "街头座椅"), ("10", "宣传栏"),
    ]),
    ("04", "园林绿化", "landscaping", [
        ("01", "古树名木"), ("02", "行道树"), ("03", "护树设施"), ("04", "花架花钵"), ("05", "绿地"),
        ("06", "城市雕塑"), ("07", "绿地护栏"), ("08", "喷泉"), ("09", "公园"),
    ]),
    ("05", "房屋土地", "housing", [
        ("01", "人防工事"), ("02", "地下室"), ("03", "危房"), ("04", "房屋外立面"), ("05", "空置地块"),
    ]),
    ("06", "其他设施", "other", [
        ("01", "重大危险源"), ("02", "工地"), ("03", "水域附属设施"), ("04", "输水（气）管道"), ("05", "监控电子眼"),
        ("06", "健身设施"), ("07", "充电桩"), ("99", "其他"),
    ]),
]

# (class code, class name, [item names]) — seed 004, 七大类61项.
INFO_CATALOGUE: list[tuple[str, str, list[str]]] = [
    ("01", "公共服务类", [
        "政策解读", "行政审批", "医疗卫生", "公共交通", "土地管理", "环境保护", "教育文体", "城建规划", "科教科普",
        "文物旅游", "社会保障", "救济救助", "市容市政", "食品安全",
    ]),
    ("02", "社会事务类", [
        "民生就业", "人事录用", "户籍身份", "计划生育", "物业管理", "消费生活", "兵役退伍", "金融服务", "水电气暖",
        "通讯服务", "农林水牧",
    ]),
    ("03", "安全稳定类", [
        "安全生产", "隐患排查", "户籍管理", "协警管理", "防水防盗", "矛盾调解", "重大事情处理", "法律援助", "信访监控",
        "综合治理", "社会治安", "邪教组织排查", "宗教事务",
    ]),
    ("04", "应急管理类", ["应急预案", "应急队伍", "专家组", "危险源排查", "避难场所建设", "物资储备"]),
    ("05", "党建组织类", [
        "党的建设", "工会组织", "监管监督", "青年组织", "妇女儿童", "党的建设（二）", "社会团体", "民主党派", "统一战线",
    ]),
    ("06", "行政执法类", ["行政处罚", "法律解读", "行政执法监督队伍", "行政执法监督员"]),
    ("07", "社情民意类", ["人大代表、政协委员建言献策", "民生民情", "投诉建议", "热点咨询"]),
]


def seed_catalogues(component_class_model, info_class_model, info_item_model) -> None:
    """Create missing catalogue rows (existing rows, perhaps edited by an admin, stay)."""
    for major, major_name, department, subs in COMPONENT_CLASSES:
        for sub, name in subs:
            component_class_model.objects.get_or_create(
                major=major, sub=sub, defaults={"major_name": major_name, "name": name, "department": department}
            )
    for code, name, items in INFO_CATALOGUE:
        info_class, _ = info_class_model.objects.get_or_create(code=code, defaults={"name": name})
        for n, item in enumerate(items, start=1):
            info_item_model.objects.get_or_create(
                code=f"{code}{n:02d}", defaults={"info_class": info_class, "name": item}
            )
