"""The sample service catalogue (示例数据): about 60 main services of the district, street and community
windows, each split into its handling items (申请、变更、停发、补领…), over 200 in all (seed 003:
«200余项»). Names, departments, item types, legal bases, time limits and materials follow common
national and provincial guides; they are marked ``sample`` and are edited like any other item.

Loaded by the migration ``0002_sample_catalogue`` (``load(apps)``) and again by the demo and the tests
after a flush (``ensure()``). Pure data; nothing here is read at run time otherwise.
"""

from __future__ import annotations

ID = {"name": "居民身份证", "source": "id"}
HH = {"name": "户口簿", "source": "household"}
PHOTO = {"name": "近期一寸免冠照片", "copies": 2}
FORM = {"name": "申请表"}
INCOME = {"name": "家庭收入及财产状况申报表"}
BANK = {"name": "本人银行账户（社保卡）信息", "original": False}
DIS = {"name": "残疾人证", "source": "tag:disabled"}
DIBAO = {"name": "低保证", "source": "tag:dibao"}
VET = {"name": "退役军人优待证", "source": "tag:veteran"}
PROXY = {"name": "委托书及代办人身份证", "required": False}

LAW_SA = "《社会救助暂行办法》（国务院令第649号）"
LAW_HK = "《中华人民共和国户口登记条例》"

# (abbreviation, department, level, item type, legal days, promised days, visits, online, admitted, legal basis,
#  main name, [(variant, extra materials, situations)], green channel)
WHOLE = [
    ("MZ", "civil_affairs", "street", "payment", 30, 10, 1, True, True, LAW_SA + "第十一条", "最低生活保障",
     [("申请", [INCOME, BANK, {"name": "家庭成员收入证明"}], {"S1": "家庭成员无残疾人", "S2": "家庭成员有残疾人"}),
      ("变更", [INCOME, {"name": "变更事项证明材料"}], None), ("停发", [FORM], None), ("年度复核", [INCOME], None)], True),
    ("MZ", "civil_affairs", "street", "payment", 30, 10, 1, True, True, LAW_SA + "第十四条", "特困人员救助供养",
     [("申请", [INCOME, {"name": "无劳动能力证明"}], None), ("变更供养方式", [FORM], None), ("终止", [FORM], None)], True),
    ("MZ", "civil_affairs", "street", "payment", 15, 3, 1, True, True, LAW_SA + "第四十七条", "临时救助",
     [("急难型申请", [{"name": "遭遇急难事项说明"}], None), ("支出型申请", [INCOME, {"name": "大额支出票据"}], None),
      ("小额先行救助", [{"name": "情况说明"}], None)], True),
    ("MZ", "civil_affairs", "community", "payment", 20, 5, 1, True, True, "《浙江省老年人权益保障条例》", "高龄津贴",
     [("申领", [BANK], None), ("停发", [FORM], None), ("发放账户变更", [BANK], None)], False),
    ("CL", "disabled_federation", "street", "payment", 20, 5, 1, True, True,
     "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", "残疾人两项补贴",
     [("困难残疾人生活补贴申请", [DIS, DIBAO, BANK], None), ("重度残疾人护理补贴申请", [DIS, BANK], None),
      ("补贴停发", [FORM], None), ("补贴资格复核", [DIS], None)], True),
    ("CL", "disabled_federation", "district", "confirmation", 30, 15, 1, False, False, "《残疾人残疾分类和分级》",
     "残疾人证", [("新办", [PHOTO, {"name": "残疾评定表"}], None), ("换领", [DIS, PHOTO], None),
                ("迁移", [DIS], None), ("补办", [PHOTO], None), ("注销", [DIS], None)], False),
    ("GA", "police", "street", "licensing", 15, 7, 1, True, True, "《居住证暂行条例》第九条", "居住证",
     [("首次申领", [PHOTO, {"name": "居住证明（租赁合同或房产证明）"}], None), ("换领", [PHOTO], None),
      ("补领", [PHOTO], None), ("签注", [{"name": "连续居住证明"}], None)], False),
    ("GA", "police", "district", "confirmation", 20, 10, 1, False, False, LAW_HK, "户口迁移",
     [("投靠迁入", [HH, {"name": "亲属关系证明"}], None), ("购房迁入", [HH, {"name": "不动产权证书"}], None),
      ("人才引进落户", [{"name": "学历证书"}, {"name": "劳动合同"}], None), ("迁出", [HH], None)], False),
    ("GA", "police", "district", "confirmation", 30, 15, 1, False, False, LAW_HK, "户籍登记",
     [("出生登记", [HH, {"name": "出生医学证明"}], None), ("死亡注销", [HH, {"name": "死亡医学证明"}], None),
      ("姓名变更", [HH, {"name": "变更理由证明"}], None), ("户籍证明开具", [HH], None)], False),
    ("GA", "police", "district", "licensing", 20, 7, 1, True, False, "《中华人民共和国居民身份证法》", "居民身份证",
     [("首次申领", [HH, PHOTO], None), ("换领", [ID], None), ("补领", [HH], None), ("临时身份证", [HH], None)], False),
    ("RS", "hrss", "community", "public_service", 5, 1, 1, True, True, "《就业服务与就业管理规定》第六十一条",
     "就业失业登记", [("就业登记", [{"name": "劳动合同或就业证明"}], None), ("失业登记", [{"name": "解除劳动关系证明"}], None),
                    ("就业困难人员认定", [{"name": "困难情形证明"}], None), ("《就业创业证》申领", [PHOTO], None)], False),
    ("RS", "hrss", "community", "public_service", 10, 3, 0, True, True, "《中华人民共和国社会保险法》", "城乡居民养老保险",
     [("参保登记", [BANK], None), ("待遇申领", [BANK], None), ("关系转移", [{"name": "参保缴费凭证"}], None),
      ("注销登记", [{"name": "死亡证明或其他注销证明"}], None), ("缴费档次变更", [FORM], None)], False),
    ("RS", "hrss", "street", "payment", 20, 10, 1, True, True, "《失业保险条例》", "失业保险金",
     [("申领", [{"name": "解除劳动合同证明"}, BANK], None), ("停发", [FORM], None), ("丧葬补助金申领", [{"name": "死亡证明"}], None)], False),
    ("RS", "hrss", "street", "public_service", 10, 5, 1, True, True, "《中华人民共和国就业促进法》", "灵活就业人员社保补贴",
     [("申请", [BANK, {"name": "灵活就业证明"}], None), ("续期", [FORM], None), ("终止", [FORM], None)], False),
    ("RS", "hrss", "district", "licensing", 20, 10, 1, True, False, "《人力资源市场暂行条例》", "人力资源服务许可",
     [("新设", [{"name": "营业执照"}, {"name": "场所证明"}], None), ("变更", [{"name": "变更材料"}], None),
      ("延续", [{"name": "许可证"}], None), ("注销", [{"name": "许可证"}], None)], False),
    ("YB", "medical_insurance", "community", "public_service", 5, 1, 0, True, True, "《中华人民共和国社会保险法》",
     "城乡居民基本医疗保险", [("参保登记", [], {"S1": "本地户籍", "S2": "持居住证的非本地户籍"}), ("信息变更", [FORM], None),
                             ("缴费", [], None), ("停保", [FORM], None)], False),
    ("YB", "medical_insurance", "street", "payment", 20, 10, 1, True, True, "《医疗保障基金使用监督管理条例》", "医疗救助",
     [("申请", [DIBAO, {"name": "医疗费用票据"}], None), ("一站式结算备案", [FORM], None), ("门诊慢特病救助", [{"name": "病历资料"}], None)], True),
    ("YB", "medical_insurance", "district", "confirmation", 15, 5, 1, True, False, "《基本医疗保险用药管理暂行办法》", "门诊慢特病待遇认定",
     [("认定申请", [{"name": "诊断证明"}, {"name": "病历资料"}], None), ("复审", [{"name": "病历资料"}], None)], False),
    ("YB", "medical_insurance", "district", "public_service", 10, 3, 0, True, False, "《基本医疗保险跨省异地就医直接结算经办规程》",
     "异地就医备案", [("长期居住备案", [{"name": "居住证明"}], None), ("临时外出就医备案", [FORM], None), ("备案取消", [FORM], None)], False),
    ("WJ", "health", "community", "public_service", 5, 1, 0, True, True, "《中华人民共和国人口与计划生育法》", "生育登记",
     [("一孩登记", [{"name": "结婚证"}], None), ("二孩登记", [{"name": "结婚证"}], None), ("三孩登记", [{"name": "结婚证"}], None),
      ("登记信息变更", [FORM], None)], False),
    ("WJ", "health", "district", "payment", 30, 15, 1, False, False, "《全国农村部分计划生育家庭奖励扶助制度管理规范》",
     "计划生育家庭扶助", [("奖励扶助申请", [HH, {"name": "独生子女证"}], None), ("特别扶助申请", [HH, {"name": "子女死亡或伤残证明"}], None),
                      ("扶助金停发", [FORM], None)], False),
    ("WJ", "health", "community", "public_service", 5, 2, 1, False, True, "《国家基本公共卫生服务规范》", "家庭医生签约",
     [("签约", [], None), ("续约", [], None), ("解约", [FORM], None)], False),
    ("WJ", "health", "district", "licensing", 20, 10, 1, True, False, "《公共场所卫生管理条例》", "公共场所卫生许可",
     [("新办", [{"name": "营业执照"}, {"name": "卫生检测报告"}], None), ("变更", [{"name": "变更材料"}], None),
      ("延续", [{"name": "许可证"}], None), ("注销", [{"name": "许可证"}], None)], False),
    ("MZ", "civil_affairs", "community", "public_service", 10, 3, 1, False, True, "《浙江省老年人权益保障条例》", "老年人优待证",
     [("办理", [PHOTO], None), ("补办", [PHOTO], None)], False),
    ("MZ", "civil_affairs", "street", "payment", 20, 10, 1, True, True, "《浙江省养老服务补贴制度》", "居家养老服务补贴",
     [("申请", [INCOME], None), ("变更", [FORM], None), ("终止", [FORM], None)], False),
    ("MZ", "civil_affairs", "district", "confirmation", 30, 10, 1, True, False, "《婚姻登记条例》", "婚姻登记",
     [("结婚登记", [HH, PHOTO], None), ("离婚登记", [HH, {"name": "结婚证"}, {"name": "离婚协议书"}], None),
      ("补领结婚证", [HH, PHOTO], None), ("补领离婚证", [HH, PHOTO], None)], False),
    ("MZ", "civil_affairs", "district", "payment", 20, 10, 1, False, False, "《殡葬管理条例》", "惠民殡葬",
     [("基本殡葬服务费减免", [{"name": "火化证明"}], None), ("生态安葬奖补", [{"name": "安葬证明"}], None)], False),
    ("MZ", "civil_affairs", "street", "confirmation", 30, 15, 1, False, False, "《社会团体登记管理条例》", "社区社会组织备案",
     [("备案", [{"name": "章程"}, {"name": "负责人名单"}], None), ("变更", [{"name": "变更决议"}], None), ("注销", [FORM], None)], False),
    ("MZ", "civil_affairs", "street", "payment", 20, 10, 1, True, True, "《困境儿童保障》（国发〔2016〕36号）", "困境儿童基本生活保障",
     [("申请", [{"name": "困境情形证明"}], None), ("变更", [FORM], None), ("终止", [FORM], None)], True),
    ("TY", "veterans", "street", "payment", 30, 15, 1, False, True, "《军人抚恤优待条例》", "优抚对象抚恤补助",
     [("定期抚恤金申领", [VET], None), ("生活补助申领", [VET], None), ("医疗补助申请", [VET, {"name": "医疗费用票据"}], None)], False),
    ("TY", "veterans", "street", "confirmation", 20, 10, 1, True, True, "《退役军人保障法》", "退役军人信息采集",
     [("信息采集", [{"name": "退伍证"}], None), ("悬挂光荣牌", [VET], None), ("优待证申领", [PHOTO], None)], False),
    ("ZJ", "housing", "street", "confirmation", 30, 15, 1, False, True, "《公共租赁住房管理办法》", "公共租赁住房",
     [("申请", [INCOME, {"name": "住房情况证明"}], None), ("资格年审", [INCOME], None), ("退出", [FORM], None)], False),
    ("ZJ", "housing", "street", "confirmation", 20, 10, 1, False, True, "《廉租住房保障办法》", "廉租房收入认证",
     [("收入认证", [INCOME], None), ("复核", [INCOME], None)], False),
    ("ZJ", "housing", "district", "payment", 30, 15, 1, True, False, "《城镇住房保障条例》", "住房租赁补贴",
     [("申请", [INCOME, BANK], None), ("年审", [INCOME], None), ("停发", [FORM], None)], False),
    ("ZJ", "housing", "district", "licensing", 20, 10, 1, True, False, "《建筑工程施工许可管理办法》", "装修备案",
     [("住宅装修备案", [{"name": "装修方案"}], None), ("非住宅装修备案", [{"name": "装修方案"}, {"name": "消防审查意见"}], None)], False),
    ("JD", "street_office", "street", "confirmation", 10, 3, 1, False, True, "《浙江省流动人口居住登记条例》", "居住登记",
     [("登记", [{"name": "租赁合同"}], None), ("变更", [FORM], None), ("注销", [FORM], None)], False),
    ("JD", "street_office", "street", "public_service", 5, 1, 1, False, True, "《人民调解法》", "人民调解申请",
     [("邻里纠纷调解", [{"name": "纠纷情况说明"}], None), ("家庭纠纷调解", [{"name": "纠纷情况说明"}], None),
      ("物业纠纷调解", [{"name": "纠纷情况说明"}], None)], False),
    ("JD", "street_office", "street", "public_service", 5, 1, 1, False, True, "《法律援助法》", "法律援助申请",
     [("民事法律援助", [INCOME, {"name": "案件材料"}], None), ("刑事法律援助", [{"name": "案件材料"}], None)], True),
    ("JD", "street_office", "community", "public_service", 3, 1, 1, False, True, "", "社区证明开具",
     [("居住证明", [], None), ("家庭关系证明", [HH], None), ("无犯罪记录协查", [FORM], None), ("经济困难证明", [INCOME], None)], False),
    ("JD", "street_office", "street", "confirmation", 15, 5, 1, False, True, "《中华人民共和国兵役法》", "兵役登记",
     [("初次兵役登记", [HH], None), ("征兵报名", [PHOTO, {"name": "学历证书"}], None)], False),
    ("JD", "street_office", "street", "public_service", 10, 5, 1, False, True, "《城市居民委员会组织法》", "社区活动场地预约",
     [("场地预约", [FORM], None), ("活动备案", [FORM], None)], False),
    ("RS", "hrss", "district", "payment", 20, 10, 1, True, False, "《工伤保险条例》", "工伤保险待遇",
     [("工伤认定申请", [{"name": "劳动关系证明"}, {"name": "医疗诊断证明"}], None), ("一次性待遇申领", [BANK], None),
      ("劳动能力鉴定申请", [{"name": "病历资料"}], None)], False),
    ("RS", "hrss", "district", "payment", 20, 10, 1, True, False, "《中华人民共和国社会保险法》", "生育保险待遇",
     [("生育医疗费用报销", [{"name": "医疗费用票据"}], None), ("生育津贴申领", [BANK], None)], False),
    ("RS", "hrss", "district", "public_service", 10, 5, 1, True, False, "《职业技能提升行动方案》", "职业技能培训补贴",
     [("个人申领", [{"name": "培训合格证书"}, BANK], None), ("企业申领", [{"name": "培训名单"}], None)], False),
    ("RS", "hrss", "street", "public_service", 10, 3, 1, True, True, "《劳动保障监察条例》", "劳动保障监察投诉",
     [("欠薪投诉", [{"name": "欠薪证据"}], None), ("劳动合同争议咨询", [], None)], True),
    ("MZ", "civil_affairs", "district", "other_power", 20, 10, 1, False, False, "《地名管理条例》", "地名命名更名",
     [("小区命名", [{"name": "命名方案"}], None), ("道路更名", [{"name": "更名方案"}], None)], False),
    ("GA", "police", "district", "licensing", 15, 7, 1, True, False, "《中华人民共和国出境入境管理法》", "出入境证件",
     [("普通护照申领", [PHOTO], None), ("往来港澳通行证申领", [PHOTO], None), ("往来台湾通行证申领", [PHOTO], None),
      ("签注", [{"name": "通行证"}], None)], False),
    ("GA", "police", "district", "licensing", 20, 10, 1, False, False, "《犬只管理规定》", "养犬登记",
     [("登记", [{"name": "免疫证明"}, {"name": "犬只照片"}], None), ("年检", [{"name": "免疫证明"}], None), ("注销", [FORM], None)], False),
    ("ZJ", "housing", "district", "public_service", 15, 5, 1, True, False, "《住宅专项维修资金管理办法》", "住宅专项维修资金",
     [("使用申请", [{"name": "业主表决结果"}, {"name": "维修方案"}], None), ("退还申请", [{"name": "不动产权证书"}], None)], False),
    ("WJ", "health", "community", "public_service", 5, 1, 1, False, True, "《预防接种工作规范》", "预防接种证",
     [("办理", [{"name": "出生医学证明"}], None), ("补办", [FORM], None)], False),
    ("WJ", "health", "district", "confirmation", 20, 10, 1, True, False, "《母婴保健法》", "出生医学证明",
     [("首次签发", [ID], None), ("补发", [FORM], None), ("换发", [FORM], None)], False),
    ("MZ", "civil_affairs", "community", "public_service", 5, 2, 1, False, True, "《城市居民委员会组织法》", "社区志愿者注册",
     [("注册", [PHOTO], None), ("服务时长证明", [], None)], False),
    ("CL", "disabled_federation", "street", "payment", 20, 10, 1, False, True, "《残疾人保障法》", "残疾人辅助器具适配",
     [("申请", [DIS], None), ("补贴申领", [DIS, BANK], None)], False),
    ("CL", "disabled_federation", "street", "payment", 30, 15, 1, False, True, "《残疾人保障法》", "残疾人就业扶持",
     [("个体就业补贴", [DIS, BANK], None), ("职业培训补贴", [DIS], None)], False),
    ("TY", "veterans", "district", "payment", 30, 15, 1, False, False, "《退役军人保障法》", "退役军人就业创业扶持",
     [("自主就业一次性补助", [{"name": "退伍证"}, BANK], None), ("创业贴息申请", [{"name": "营业执照"}], None)], False),
    ("YB", "medical_insurance", "community", "public_service", 5, 1, 0, True, True, "《医疗保障法》", "医保电子凭证",
     [("激活", [], None), ("家庭共济绑定", [HH], None)], False),
    ("JD", "street_office", "street", "other_power", 20, 10, 1, False, False, "《城市市容和环境卫生管理条例》", "户外广告设置",
     [("设置申请", [{"name": "设计图"}], None), ("延续", [FORM], None)], False),
    ("JD", "street_office", "street", "licensing", 15, 7, 1, True, False, "《城市道路管理条例》", "临时占道",
     [("占道施工", [{"name": "施工方案"}], None), ("占道经营", [{"name": "经营方案"}], None), ("延期", [FORM], None)], False),
]
WHOLE += [
    ("MZ", "civil_affairs", "street", "payment", 20, 10, 1, True, True, "《孤儿基本生活费发放管理》", "孤儿基本生活保障",
     [("申请", [{"name": "父母死亡或失踪证明"}], None), ("变更", [FORM], None), ("终止", [FORM], None)], True),
    ("MZ", "civil_affairs", "community", "public_service", 10, 3, 1, False, True, "《养老机构管理办法》", "养老机构入住评估",
     [("能力评估申请", [{"name": "体检报告"}], None), ("复评", [FORM], None), ("评估结果查询", [], None)], False),
    ("MZ", "civil_affairs", "street", "payment", 20, 10, 1, False, True, "《浙江省困难群众基本生活保障》", "低保边缘家庭认定",
     [("认定申请", [INCOME], None), ("复核", [INCOME], None), ("退出", [FORM], None)], True),
    ("RS", "hrss", "community", "public_service", 5, 2, 1, True, True, "《就业服务与就业管理规定》", "公益性岗位",
     [("岗位申请", [{"name": "就业困难人员证明"}], None), ("岗位补贴申领", [BANK], None), ("退岗", [FORM], None)], False),
    ("RS", "hrss", "street", "public_service", 10, 5, 1, True, True, "《关于进一步做好稳就业工作的意见》", "创业担保贷款",
     [("贷款申请", [{"name": "营业执照"}, {"name": "创业计划书"}], None), ("贴息申领", [BANK], None),
      ("展期", [FORM], None)], False),
    ("YB", "medical_insurance", "community", "public_service", 5, 1, 1, True, True, "《长期护理保险制度试点》", "长期护理保险",
     [("失能评估申请", [{"name": "病历资料"}], None), ("待遇申领", [BANK], None), ("待遇终止", [FORM], None)], False),
    ("WJ", "health", "street", "payment", 20, 10, 1, False, True, "《计划生育特殊家庭扶助》", "计生特殊家庭帮扶",
     [("帮扶申请", [{"name": "子女死亡或伤残证明"}], None), ("联系人制度登记", [FORM], None), ("就医绿色通道备案", [FORM], None)], True),
    ("ZJ", "housing", "street", "public_service", 15, 5, 1, False, True, "《城镇老旧小区改造》", "老旧小区加装电梯",
     [("意向登记", [{"name": "业主意见汇总"}], None), ("补贴申请", [{"name": "竣工验收报告"}, BANK], None),
      ("协调申请", [FORM], None)], False),
    ("GA", "police", "street", "confirmation", 10, 5, 1, False, True, "《居住证暂行条例》", "流动人口服务",
     [("租房登记", [{"name": "租赁合同"}], None), ("出租房屋登记", [{"name": "不动产权证书"}], None),
      ("退租登记", [FORM], None)], False),
    ("JD", "street_office", "community", "public_service", 3, 1, 1, False, True, "《城市居民委员会组织法》", "社区事务代办",
     [("代办申请", [PROXY], None), ("代办进度查询", [], None), ("代办结果领取", [], None)], False),
]

DEPT_PHONES = {"civil_affairs": "0571-8700-1001", "hrss": "0571-8700-1002", "medical_insurance": "0571-8700-1003",
               "health": "0571-8700-1004", "police": "0571-8700-1005", "housing": "0571-8700-1006",
               "disabled_federation": "0571-8700-1007", "veterans": "0571-8700-1008",
               "street_office": "0571-8700-1009"}


def items():
    """Every item of the sample catalogue: (main item, [handling items with their guide])."""
    out = []
    counters: dict[str, int] = {}
    for (abbr, dept, level, kind, legal, promised, visits, online, admitted, basis, main, variants,
         green) in WHOLE:
        counters[abbr] = counters.get(abbr, 0) + 1
        main_code = f"{abbr}{counters[abbr]:03d}"
        handling = []
        for i, (variant, extra, situations) in enumerate(variants, start=1):
            mats = [ID]
            if level != "district" or abbr in ("GA", "MZ"):
                mats = [ID, HH]
            mats = mats + list(extra) + ([PROXY] if level != "district" else [])
            seen, materials = set(), []
            for m in mats:
                if m["name"] in seen:
                    continue
                seen.add(m["name"])
                materials.append({"code": f"M{len(materials) + 1:02d}", "name": m["name"],
                                  "original": m.get("original", True), "copies": m.get("copies", 1),
                                  "required": m.get("required", True), "source": m.get("source", ""),
                                  "situations": []})
            sits = []
            if situations:
                for code, label in situations.items():
                    sits.append({"code": code, "question": "申请情形", "label": label})
                if "S2" in situations and abbr == "MZ":
                    materials.append({"code": f"M{len(materials) + 1:02d}", "name": "残疾人证", "original": True,
                                      "copies": 1, "required": True, "source": "tag:disabled", "situations": ["S2"]})
                if "S2" in situations and abbr == "YB":
                    materials.append({"code": f"M{len(materials) + 1:02d}", "name": "居住证", "original": True,
                                      "copies": 1, "required": True, "source": "", "situations": ["S2"]})
            shrink = (promised if variant in ("申请", "首次申领", "新办", "认定申请", "登记", "办理") else
                      max(1, min(promised, (promised + 1) // 2)))
            handling.append({
                "code": f"{main_code}-{i:02d}", "name": f"{main}（{variant}）" if len(variants) > 1 else main,
                "guide": {
                    "item_type": kind, "legal_basis": basis, "conditions": f"本区居民（含持居住证人员）办理{main}{variant}。",
                    "legal_days": legal, "promised_days": shrink, "fee": "不收费", "visits": visits, "online": online,
                    "windows": {"district": "区行政服务中心综合窗口", "street": "街道便民服务中心综合窗口",
                                "community": "社区便民服务站全科窗口"}[level],
                    "hours": "5+2" if level != "community" else "5",
                    "consult_phone": DEPT_PHONES.get(dept, "12345"), "complaint_phone": "12345",
                    "target_groups": "", "green_channel": green,
                    "steps": [{"name": "受理", "unit": "综合窗口", "days": 0, "counts": True},
                              {"name": "审查", "unit": "承办科室", "days": max(1, shrink - 1), "counts": True},
                              {"name": "决定", "unit": "承办科室", "days": 1, "counts": True}],
                },
                "situations": sits, "materials": materials})
        out.append({"code": main_code, "name": main, "department": dept, "level": level, "admitted": admitted,
                    "handling": handling})
    return out


def load(ServiceItem, ItemVersion, Situation, Material, *, now=None):  # noqa: N803 - model classes
    """Write the sample catalogue with the given model classes (the migration's historical ones or the
    real ones), published, in a few bulk inserts. Items already there (by code) are left alone."""
    import datetime as dt

    from civicgrid.registry.people import name_keys

    now = now or dt.datetime.now(dt.UTC)
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    for main in items():
        if main["code"] in existing:
            continue
        parent = ServiceItem.objects.create(code=main["code"], name=main["name"], node="main",
                                            name_initials=name_keys(main["name"])[0][:60],
                                            department=main["department"], level=main["level"],
                                            community_admitted=main["admitted"], sample=True)
        for h in main["handling"]:
            item = ServiceItem.objects.create(code=h["code"], name=h["name"], node="handling", parent=parent,
                                              name_initials=name_keys(h["name"])[0][:60],
                                              department=main["department"], level=main["level"],
                                              community_admitted=main["admitted"], sample=True)
            version = ItemVersion.objects.create(item=item, number=1, status="published", published_at=now,
                                                 **h["guide"])
            Situation.objects.bulk_create([Situation(version=version, **s) for s in h["situations"]])
            Material.objects.bulk_create([Material(version=version, **m) for m in h["materials"]])
            item.current = version
            item.save(update_fields=["current"])


def ensure() -> None:
    """The sample catalogue again after a test flushed the database (a no-op when it is there)."""
    from .models import ItemVersion, Material, ServiceItem, Situation

    if not ServiceItem.objects.filter(sample=True).exists():
        load(ServiceItem, ItemVersion, Situation, Material)


def handling_count() -> int:
    return sum(len(m["handling"]) for m in items())
