"""Seed data of the case module: event/component classes with disposal time limits, step limits,
and the weights of the post scores. Values follow common 数字城管 practice (CJ/T 214/215-style
class lists) and the 12345 hotline's tiers; all of it is data an administrator can change."""

from __future__ import annotations

import copy
import secrets
import threading
import time

# (code, kind, major class, name, department, limit, unit, component class, keywords, standard)
CLASSES = [
    # 事件 · 市容环境
    ("E0101", "event", "市容环境", "暴露垃圾", "sanitation", 4, "work_hours", "", "垃圾 堆放 暴露 乱扔",
     "垃圾清除干净，无残留"),
    ("E0102", "event", "市容环境", "道路保洁", "sanitation", 2, "work_hours", "", "保洁 路面 脏 污物",
     "路面清扫干净"),
    ("E0103", "event", "市容环境", "积存垃圾渣土", "sanitation", 1, "work_days", "", "渣土 建筑垃圾 积存",
     "渣土清运完毕"),
    ("E0104", "event", "市容环境", "乱张贴小广告", "chengguan", 1, "work_days", "", "小广告 张贴 涂写 牛皮癣",
     "广告清除，墙面恢复"),
    ("E0105", "event", "市容环境", "道路积水", "housing", 4, "work_hours", "", "积水 下雨 淹 排水",
     "积水排除，路面可通行"),
    # 事件 · 宣传广告 / 施工管理
    ("E0201", "event", "宣传广告", "违规户外广告", "chengguan", 5, "work_days", "", "广告牌 招牌 横幅",
     "违规广告拆除"),
    ("E0301", "event", "施工管理", "施工扰民", "housing", 1, "work_days", "", "施工 噪音 夜间 工地",
     "施工停止或整改到位"),
    ("E0302", "event", "施工管理", "道路破损", "housing", 5, "work_days", "", "路面 坑 破损 塌陷",
     "路面修复平整"),
    # 事件 · 街面秩序
    ("E0401", "event", "街面秩序", "占道经营", "chengguan", 2, "work_hours", "", "摆摊 占道 流动摊贩 经营",
     "摊点撤离，道路畅通"),
    ("E0402", "event", "街面秩序", "乱停放非机动车", "chengguan", 2, "work_hours", "", "共享单车 电动车 乱停",
     "车辆规整摆放"),
    ("E0403", "event", "街面秩序", "私搭乱建", "chengguan", 4, "work_hours", "", "违建 搭建 违章 乱建",
     "制止施工（4工作时内），依法拆除"),
    # 事件 · 园林绿化
    ("E0501", "event", "园林绿化", "绿地养护", "landscaping", 5, "work_days", "", "绿地 草坪 枯死 养护",
     "绿地恢复养护标准"),
    ("E0502", "event", "园林绿化", "树木倒伏", "landscaping", 4, "work_hours", "", "倒树 树枝 折断 倒伏",
     "倒伏树木清理，通行恢复"),
    # 事件 · 突发事件
    ("E0601", "event", "突发事件", "路面塌陷", "housing", 2, "work_hours", "", "塌陷 坍塌 地陷",
     "现场围挡，险情排除"),
    # 部件
    ("C0101", "component", "公用设施", "井盖破损/丢失", "housing", 4, "work_hours", "0101", "井盖 窨井 下水道盖",
     "井盖补齐或更换"),
    ("C0104", "component", "公用设施", "消防栓损坏", "police", 1, "work_days", "0114", "消防栓 消火栓",
     "消防栓修复可用"),
    ("C0201", "component", "道路交通", "公交站亭损坏", "housing", 3, "work_days", "0203", "公交站 站亭 候车",
     "站亭修复"),
    ("C0301", "component", "市容环境", "垃圾箱损坏", "sanitation", 1, "work_days", "0307", "垃圾箱 垃圾桶 果皮箱",
     "垃圾箱更换或修复"),
    ("C0401", "component", "园林绿化", "行道树缺株/损坏", "landscaping", 5, "work_days", "0402", "行道树 树木",
     "补种或修复"),
    ("C0501", "component", "公用设施", "路灯不亮", "housing", 2, "work_days", "0116", "路灯 不亮 灯杆",
     "路灯恢复照明"),
    # 事件 · 卫生监督协管 (health-supervision findings a family-doctor team files; 004b: «食品安全、生活饮用水、
    # 非法行医和非法采供血、学校、公共场所…及时报告»). Handled by the health department; the limits are
    # sample values (the seeds give none).
    ("WS01", "event", "卫生监督协管", "食品安全", "health", 2, "work_days", "", "食品 餐饮 过期 变质 无证",
     "监督机构核查处理，隐患消除"),
    ("WS02", "event", "卫生监督协管", "生活饮用水", "health", 1, "work_days", "", "饮用水 水质 二次供水 水箱",
     "水质隐患排除，供水恢复安全"),
    ("WS03", "event", "卫生监督协管", "非法行医和非法采供血", "health", 2, "work_days", "", "非法行医 黑诊所 采血 卖血",
     "非法行为制止，移交查处"),
    ("WS04", "event", "卫生监督协管", "学校卫生", "health", 3, "work_days", "", "学校 教室 食堂 传染病 晨检",
     "学校卫生问题整改到位"),
    ("WS05", "event", "卫生监督协管", "公共场所卫生", "health", 3, "work_days", "", "公共场所 宾馆 浴室 理发 游泳",
     "公共场所卫生问题整改到位"),
    # 12345 诉求
    ("H01", "hotline", "12345", "紧急诉求", "", 1, "same_day", "", "紧急 危险 马上",
     "当日办结并答复诉求人"),
    ("H02", "hotline", "12345", "求助", "civil_affairs", 3, "work_days", "", "求助 帮忙 困难",
     "3个工作日内办结并答复"),
    ("H03", "hotline", "12345", "投诉举报", "chengguan", 13, "work_days", "", "投诉 举报 扰民",
     "13个工作日内办结并答复"),
    ("H04", "hotline", "12345", "咨询", "", 1, "work_days", "", "咨询 请问 怎么办",
     "1个工作日内答复"),
    ("H05", "hotline", "12345", "意见建议", "", 13, "work_days", "", "建议 意见",
     "13个工作日内答复"),
]

# Step limits in working minutes.
STEP_LIMITS = {"register": 60, "dispatch": 60, "confirm": 120, "check": 120, "reply": 420, "callback": 420,
               "warn": 60}

# Scores: (post, indicator, weight %, invert); "unit" is the lead unit's score on the scoreboard.
SCORE_RULES = [
    ("unit", "on_time_rate", 40, False),  # 按期结案率 × 40 %
    ("unit", "closing_rate", 20, False),  # 结案率 × 20 %
    ("unit", "rework_rate", 20, True),  # (1 − 返工率) × 20 %
    ("unit", "satisfaction_rate", 20, False),  # 满意率 × 20 %
    ("supervisor", "valid_report_rate", 40, False),  # 有效上报率 × 40 %
    ("supervisor", "missed_report_rate", 20, True),  # (1 − 漏报率) × 20 %
    ("supervisor", "confirm_on_time_rate", 20, False),  # 按时核实率 × 20 %
    ("supervisor", "check_on_time_rate", 20, False),  # 按时核查率 × 20 %
    ("shift_leader", "register_on_time_rate", 25, False),  # 按时立案率 × 25 %
    ("shift_leader", "register_accuracy_rate", 40, False),  # 准确立案率 × 40 %
    ("shift_leader", "close_on_time_rate", 35, False),  # 按时结案率 × 35 %
    ("dispatcher", "dispatch_count_score", 20, False),  # 派遣数分值 × 20 %
    ("dispatcher", "dispatch_on_time_rate", 40, False),  # 按时派遣率 × 40 %
    ("dispatcher", "dispatch_accuracy_rate", 40, False),  # 准确派遣率 × 40 %
]

# Grades: (lowest score, grade)
GRADES = [(90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "E")]


def seed_grade_bands(GradeBand) -> None:
    if not GradeBand.objects.exists():
        GradeBand.objects.bulk_create([GradeBand(letter=letter, lowest=lowest) for lowest, letter in GRADES])


def seed_case_catalogue(CaseClass, StepLimit, ScoreRule) -> None:
    """Create what is missing (idempotent; existing rows an administrator changed are kept)."""
    have = set(CaseClass.objects.values_list("code", flat=True))
    CaseClass.objects.bulk_create([
        CaseClass(code=code, kind=kind, major=major, name=name, department=dept, limit_value=limit,
                  limit_unit=unit, component_class=comp, keywords=keywords, standard=standard)
        for code, kind, major, name, dept, limit, unit, comp, keywords, standard in CLASSES if code not in have
    ])
    have_steps = set(StepLimit.objects.values_list("step", flat=True))
    StepLimit.objects.bulk_create([StepLimit(step=s, minutes=m) for s, m in STEP_LIMITS.items() if s not in have_steps])
    have_rules = set(ScoreRule.objects.values_list("post", "indicator"))
    ScoreRule.objects.bulk_create([
        ScoreRule(post=p, indicator=i, weight=w, invert=inv) for p, i, w, inv in SCORE_RULES if (p, i) not in have_rules
    ])


def ensure_catalogue() -> None:
    """Seed the catalogue if a test flush (or a fresh database without migrations' data) emptied it."""
    from .models import CaseClass, GradeBand, ScoreRule, StepLimit

    if not CaseClass.objects.exists() or not StepLimit.objects.exists() or not ScoreRule.objects.exists():
        seed_case_catalogue(CaseClass, StepLimit, ScoreRule)
        seed_grade_bands(GradeBand)
        bump_classes_version()


# --- the active classes, cached per process ------------------------------------------------------------
# Every filing names its class; rather than a query per filing, a process keeps the active classes
# by code, rebuilt when the counter ``case_classes`` differs from the value they were read at. Every
# save or delete of a class bumps it (signals in apps.py: the admin, scripts), and so does seeding.
# A process reads the counter at most once per CIVICGRID_CATALOGUE_RECHECK_SECONDS, so a class
# changed in another process applies there within that delay (in this one at once);
# 0 = no cache, one query per lookup. A ``QuerySet.update()`` of classes does not bump the counter:
# call ``bump_classes_version()`` after one.
CLASSES_COUNTER = "case_classes"
_lock = threading.Lock()
_state: dict = {"version": None, "classes": None, "checked_at": float("-inf")}


def classes_version() -> int:
    from civicgrid.core.models import Counter

    return Counter.objects.filter(name=CLASSES_COUNTER).values_list("value", flat=True).first() or 0


def bump_classes_version(**_signal_kwargs) -> None:
    """Call inside the transaction that changes a class (random, as for the grid boundaries: a
    restored database or a rolled-back test never matches a stale cache by accident)."""
    from civicgrid.core.models import Counter

    Counter.objects.update_or_create(name=CLASSES_COUNTER, defaults={"value": secrets.randbits(62)})
    forget_classes()


def forget_classes() -> None:
    _state["classes"] = None


def active_class(code: str):
    """The active class with this code, or None (a copy: callers may not change the cached one)."""
    from django.conf import settings

    from .models import CaseClass

    recheck = settings.CIVICGRID_CATALOGUE_RECHECK_SECONDS
    if recheck <= 0:
        return CaseClass.objects.filter(code=code, active=True).first()
    now = time.monotonic()
    classes = _state["classes"]
    if classes is None or now - _state["checked_at"] >= recheck:
        version = classes_version()
        with _lock:
            if _state["classes"] is None or _state["version"] != version:
                _state["classes"] = {c.code: c for c in CaseClass.objects.filter(active=True)}
                _state["version"] = version
            _state["checked_at"] = now
            classes = _state["classes"]
    found = classes.get(code)
    if found is None:  # created since (in another process, within the delay): ask the database
        return CaseClass.objects.filter(code=code, active=True).first()
    return copy.copy(found)
