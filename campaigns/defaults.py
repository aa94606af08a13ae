"""Default data the product seeds from (plain Python, no Django imports).

Every constant cites the source document in /work/shared/seeds/ it is taken from:
  seeds/000  大走访活动情况总结 (district family-planning bureau, "五必访", 156 opinions in 4 groups)
  seeds/001  仙霞镇"三级书记带头大走访"活动总结 (focus list, enterprises, 包案, 回头看)
  seeds/002  湖田街道 2022 大走访大排查大提升实施方案 (checklist, deadlines, phases, scoring)
  seeds/003  上海 XX 区"百分百行动"工作总结 (four-level platform, teams)
  seeds/004  民情民意联络工作 (四类对象, 十必报, liaison network)

Code, keys and comments are English; every user-facing string is Simplified Chinese.
Codes are ASCII slugs and must stay stable: database rows and fixtures refer to them.
"""

# ---------------------------------------------------------------------------
# 1. Visit checklist
# ---------------------------------------------------------------------------

# Source: seeds/002, 附件2 《入户必问参考》 (the attachment heading reads 入户访问参考).
# Question text is quoted from the seed; only the trailing area marker
# (e.g. (“劳有厚得”“弱有众扶”事项)) was moved into "area", and half-width
# punctuation was normalised to full-width. Items 8 and 9 carry no area marker
# in the seed; their labels here are ours.
DEFAULT_CHECKLIST = [
    {
        "order": 1,
        "area": "劳有厚得、弱有众扶",
        "question": (
            "您现在从事什么工作？工作待遇、家庭收入怎么样（若是贫困户，可询问稳定脱贫、"
            "收入来源等情况；若是低保户或困难户，可询问低保发放、帮扶措施等情况）？"
            "有什么需要帮助解决的困难和问题？"
        ),
    },
    {
        "order": 2,
        "area": "住有宜居",
        "question": (
            "您觉得所居住的村（社区）及周边环境怎么样（主要包括道路硬化、美化绿化、垃圾清运、"
            "生态环境、环境污染等）？这里的日常管理和服务好不好？有没有发现环境方面的问题？"
        ),
    },
    {
        "order": 3,
        "area": "病有良医",
        "question": (
            "您感觉看病就医、医保报销方便吗？村（社区）卫生室远不远？医院服务好不好？对看病就医还有什么需求吗？"
        ),
    },
    {
        "order": 4,
        "area": "幼有善育、学有优教",
        "question": (
            "您家里有小孩在上幼儿园或中小学吗（若有怀孕妇女和3岁以下小孩，可询问孕期服务、"
            "幼儿服务等情况）？孩子上学方便不方便？学校课后服务好不好？目前有什么困难和问题？"
        ),
    },
    {
        "order": 5,
        "area": "老有颐养",
        "question": ("您会选择哪种养老方式（机构、社区、居家）？有没有或需不需建长者食堂？您有哪些养老服务需求？"),
    },
    {
        "order": 6,
        "area": "民有文乐",
        "question": ("您平时有什么文体爱好？附近有没有文体活动设施和场所？开展文体活动经常吗？还有什么问题和需求？"),
    },
    {
        "order": 7,
        "area": "安有保全",
        "question": "您觉得周边的治安情况怎么样？出现治安问题能否及时得到解决？",
    },
    {
        "order": 8,
        "area": "其他困难",
        "question": "您还有什么需要我们帮助解决的具体困难和问题？",
    },
    {
        "order": 9,
        "area": "意见建议",
        "question": "您对各级党委、政府工作有什么好的意见建议？",
    },
]

# Source: seeds/002 附件2 (area markers) + our GRIEVANCE_CATEGORIES below.
# Checklist order -> top-level grievance category codes an answer is most likely
# to be filed under (first one is the suggested default).
CHECKLIST_CATEGORY_HINTS = {
    1: ["labor_income", "social_assistance"],
    2: ["housing_env"],
    3: ["medical"],
    4: ["childcare_edu"],
    5: ["elderly_care"],
    6: ["culture_sport"],
    7: ["public_safety"],
    8: ["other", "legal_land"],
    9: ["opinion_gov", "cadre_conduct"],
}

# ---------------------------------------------------------------------------
# 2. Focus categories (重点走访对象)
# ---------------------------------------------------------------------------

# Sources: union of
#   seeds/000 "五必访": 社区“两委”干部、党员、居民代表、困难户、正常退职社区党组书记和居委会主任;
#   seeds/002 "五个重点访": 老党员、困难群众、孤寡老人、留守儿童、上访老户;
#   seeds/001: 征迁户、上访户、困难户、老党员、老干部、老模范、城镇下岗失业人员、进城务工人员、
#              农村致富带头人、外来投资者、计划生育重点户;
#   seeds/004 "四类对象": 困难户、特殊群体、拆迁户、外来务工人员.
# Merged duplicates: 困难户/困难群众 -> hardship; 上访户/上访老户 -> petitioner;
# 征迁户/拆迁户 -> demolition; 进城务工人员/外来务工人员 -> migrant_worker.
FOCUS_CATEGORIES = [
    {"code": "hardship", "name": "困难户"},  # 000, 001, 002 (困难群众), 004
    {"code": "old_party_member", "name": "老党员"},  # 001, 002
    {"code": "elderly_alone", "name": "孤寡老人"},  # 002
    {"code": "left_behind_child", "name": "留守儿童"},  # 002
    {"code": "petitioner", "name": "上访户"},  # 001, 002 (上访老户)
    {"code": "party_member", "name": "党员"},  # 000
    {"code": "committee_cadre", "name": "社区“两委”干部"},  # 000
    {"code": "resident_rep", "name": "居民代表"},  # 000
    {"code": "retired_secretary", "name": "退职社区党组织书记、居委会主任"},  # 000
    {"code": "demolition", "name": "征地拆迁户"},  # 001 (征迁户), 004 (拆迁户)
    {"code": "veteran_cadre", "name": "老干部"},  # 001
    {"code": "model_worker", "name": "老模范"},  # 001
    {"code": "unemployed", "name": "下岗失业人员"},  # 001
    {"code": "migrant_worker", "name": "外来务工人员"},  # 001 (进城务工人员), 004
    {"code": "business_leader", "name": "致富带头人"},  # 001
    {"code": "investor", "name": "外来投资者"},  # 001
    {"code": "family_planning", "name": "计划生育重点户"},  # 001
    {"code": "special_group", "name": "特殊群体"},  # 004
]

# Source: seeds/002 一(一): the "五个重点访" a new campaign focuses on by default.
DEFAULT_CAMPAIGN_FOCUS = [
    "old_party_member",
    "hardship",
    "elderly_alone",
    "left_behind_child",
    "petitioner",
]

# ---------------------------------------------------------------------------
# 3. Grievance categories (two levels)
# ---------------------------------------------------------------------------

# Sources: seeds/002 (checklist public-service areas: 幼有善育、学有优教、劳有厚得、病有良医、
# 老有颐养、住有宜居、弱有众扶、民有文乐、安有保全, plus 其他 and 意见建议) and seeds/000
# (156 opinions grouped into 生产生活困难; 教育、就业、社保、医疗、住房、涉法涉诉、征地拆迁等诉求;
# 对党委政府工作的意见建议; 对干部作风的意见). Children draw on issues named in 000/001/002.
#
# Design: the top level follows the checklist's service areas, so a checklist
# answer maps straight onto a category (see CHECKLIST_CATEGORY_HINTS). The areas
# of seeds/000 not covered by a service area get their own top-level node:
# 涉法涉诉、征地拆迁 (legal_land), 对党委政府工作的意见建议 (opinion_gov) and
# 对干部作风的意见 (cadre_conduct). seeds/000's four groups are kept as a
# reporting roll-up: GRIEVANCE_GROUPS + GRIEVANCE_GROUP_OF (every child -> group).
# All codes (top level and children) are unique across the whole tree.
GRIEVANCE_CATEGORIES = [
    {
        "code": "labor_income",
        "name": "劳有厚得（就业收入）",
        "children": [
            {"code": "job_seeking", "name": "就业岗位与求职"},
            {"code": "job_training", "name": "职业技能培训"},
            {"code": "wage_arrears", "name": "拖欠工资"},
            {"code": "startup_support", "name": "创业扶持与贷款"},
            {"code": "farm_income", "name": "农业生产与增收"},
            {"code": "social_insurance", "name": "社会保险参保缴费"},
        ],
    },
    {
        "code": "social_assistance",
        "name": "弱有众扶（社会救助）",
        "children": [
            {"code": "dibao", "name": "最低生活保障（低保）"},
            {"code": "dibao_edge", "name": "低保边缘户与临时救助"},
            {"code": "extreme_poverty", "name": "特困人员供养（五保）"},
            {"code": "disability", "name": "残疾人帮扶"},
            {"code": "special_hardship", "name": "特殊困难家庭帮扶（一户一策）"},
            {"code": "veteran_care", "name": "优抚安置"},
        ],
    },
    {
        "code": "housing_env",
        "name": "住有宜居（住房与环境）",
        "children": [
            {"code": "road_repair", "name": "道路硬化与维修"},
            {"code": "street_lights", "name": "路灯照明"},
            {"code": "sanitation", "name": "垃圾清运、环境卫生与绿化"},
            {"code": "pollution", "name": "生态环境与污染（含噪声）"},
            {"code": "old_estate", "name": "老旧小区改造与加装电梯"},
            {"code": "utilities", "name": "供水、供电、供暖、供气"},
            {"code": "property_mgmt", "name": "物业管理与停车"},
            {"code": "housing_security", "name": "住房保障与宅基地"},
        ],
    },
    {
        "code": "medical",
        "name": "病有良医（医疗卫生）",
        "children": [
            {"code": "clinic_access", "name": "看病就医便利"},
            {"code": "medical_insurance", "name": "医保参保与报销"},
            {"code": "village_clinic", "name": "村（社区）卫生室"},
            {"code": "hospital_service", "name": "医院服务质量"},
            {"code": "family_doctor", "name": "家庭医生签约服务"},
            {"code": "serious_illness_aid", "name": "大病救助"},
        ],
    },
    {
        "code": "childcare_edu",
        "name": "幼有善育、学有优教（育幼与教育）",
        "children": [
            {"code": "maternity", "name": "孕产期服务与生育保险"},
            {"code": "infant_care", "name": "婴幼儿照护与托育"},
            {"code": "kindergarten", "name": "幼儿园入园"},
            {"code": "school_enrolment", "name": "中小学入学与学位"},
            {"code": "after_school", "name": "课后服务与假期托管"},
            {"code": "school_transport", "name": "上下学交通与校园安全"},
            {"code": "student_aid", "name": "困难学生资助"},
        ],
    },
    {
        "code": "elderly_care",
        "name": "老有颐养（养老服务）",
        "children": [
            {"code": "home_care", "name": "居家和社区养老服务"},
            {"code": "nursing_home", "name": "机构养老（敬老院）"},
            {"code": "elder_canteen", "name": "长者食堂与助餐"},
            {"code": "pension", "name": "养老保险待遇"},
            {"code": "elder_allowance", "name": "高龄津贴"},
            {"code": "age_friendly", "name": "适老化改造"},
        ],
    },
    {
        "code": "culture_sport",
        "name": "民有文乐（文化体育）",
        "children": [
            {"code": "culture_venue", "name": "文体设施与场所"},
            {"code": "fitness_equipment", "name": "健身器材维护"},
            {"code": "culture_activity", "name": "文体活动组织"},
            {"code": "public_culture", "name": "农家书屋与公共文化服务"},
        ],
    },
    {
        "code": "public_safety",
        "name": "安有保全（平安建设）",
        "children": [
            {"code": "public_order", "name": "社会治安"},
            {"code": "dispute_mediation", "name": "矛盾纠纷调解"},
            {"code": "fire_safety", "name": "消防与安全隐患"},
            {"code": "traffic_safety", "name": "道路交通安全"},
            {"code": "food_safety", "name": "食品药品安全"},
            {"code": "illegal_building", "name": "违章建筑与乱搭乱建"},
            {"code": "fraud_prevention", "name": "防范电信网络诈骗"},
        ],
    },
    {
        "code": "legal_land",
        "name": "涉法涉诉、征地拆迁",
        "children": [
            {"code": "litigation", "name": "涉法涉诉"},
            {"code": "petition_backlog", "name": "信访积案"},
            {"code": "land_compensation", "name": "征地补偿"},
            {"code": "demolition_resettlement", "name": "拆迁安置"},
            {"code": "land_contract", "name": "土地承包与山林权属纠纷"},
        ],
    },
    {
        "code": "other",
        "name": "其他困难和问题",
        "children": [
            {"code": "policy_consult", "name": "政策咨询"},
            {"code": "enterprise", "name": "企业经营困难"},
            {"code": "water_irrigation", "name": "农田水利与生产用水"},
            {"code": "gov_service", "name": "证照办理与政务服务"},
            {"code": "misc", "name": "其他"},
        ],
    },
    {
        "code": "opinion_gov",
        "name": "对党委政府工作的意见建议",
        "children": [
            {"code": "development_plan", "name": "发展规划"},
            {"code": "policy_publicity", "name": "政策宣传"},
            {"code": "infrastructure_proposal", "name": "基础设施建设"},
            {"code": "grassroots_governance", "name": "基层治理与村（居）务公开"},
            {"code": "livelihood_project", "name": "民生实事项目"},
        ],
    },
    {
        "code": "cadre_conduct",
        "name": "对干部作风的意见",
        "children": [
            {"code": "contact_masses", "name": "联系群众、深入基层"},
            {"code": "efficiency", "name": "办事效率"},
            {"code": "service_attitude", "name": "服务态度"},
            {"code": "integrity", "name": "廉洁自律"},
            {"code": "visit_quality", "name": "走访工作质量"},
        ],
    },
]

# Source: seeds/000 三、(一)-(四): the four groups its summary report uses.
GRIEVANCE_GROUPS = [
    ("livelihood", "生产生活方面的实际困难"),
    ("demands", "教育、就业、社保、医疗、住房、涉法涉诉、征地拆迁等方面的诉求"),
    ("gov_opinion", "对党委政府工作的意见建议"),
    ("cadre_opinion", "对干部作风方面的意见"),
]

# Source: seeds/000 (group contents) applied to GRIEVANCE_CATEGORIES above.
# Child category code -> GRIEVANCE_GROUPS code, for seeds/000-style summaries.
# 000 files farming income, roads and water under 生产生活困难, and 低保边缘户,
# 养老保险, 住房, 医疗 under 诉求; we follow that.
GRIEVANCE_GROUP_OF = {
    # labor_income
    "job_seeking": "demands",
    "job_training": "demands",
    "wage_arrears": "demands",
    "startup_support": "livelihood",
    "farm_income": "livelihood",
    "social_insurance": "demands",
    # social_assistance
    "dibao": "demands",
    "dibao_edge": "demands",
    "extreme_poverty": "demands",
    "disability": "demands",
    "special_hardship": "livelihood",
    "veteran_care": "demands",
    # housing_env
    "road_repair": "livelihood",
    "street_lights": "livelihood",
    "sanitation": "livelihood",
    "pollution": "livelihood",
    "old_estate": "demands",
    "utilities": "livelihood",
    "property_mgmt": "livelihood",
    "housing_security": "demands",
    # medical
    "clinic_access": "demands",
    "medical_insurance": "demands",
    "village_clinic": "demands",
    "hospital_service": "demands",
    "family_doctor": "demands",
    "serious_illness_aid": "demands",
    # childcare_edu
    "maternity": "demands",
    "infant_care": "demands",
    "kindergarten": "demands",
    "school_enrolment": "demands",
    "after_school": "demands",
    "school_transport": "demands",
    "student_aid": "demands",
    # elderly_care
    "home_care": "demands",
    "nursing_home": "demands",
    "elder_canteen": "demands",
    "pension": "demands",
    "elder_allowance": "demands",
    "age_friendly": "demands",
    # culture_sport
    "culture_venue": "livelihood",
    "fitness_equipment": "livelihood",
    "culture_activity": "livelihood",
    "public_culture": "livelihood",
    # public_safety
    "public_order": "livelihood",
    "dispute_mediation": "livelihood",
    "fire_safety": "livelihood",
    "traffic_safety": "livelihood",
    "food_safety": "livelihood",
    "illegal_building": "livelihood",
    "fraud_prevention": "livelihood",
    # legal_land
    "litigation": "demands",
    "petition_backlog": "demands",
    "land_compensation": "demands",
    "demolition_resettlement": "demands",
    "land_contract": "demands",
    # other
    "policy_consult": "livelihood",
    "enterprise": "livelihood",
    "water_irrigation": "livelihood",
    "gov_service": "livelihood",
    "misc": "livelihood",
    # opinion_gov
    "development_plan": "gov_opinion",
    "policy_publicity": "gov_opinion",
    "infrastructure_proposal": "gov_opinion",
    "grassroots_governance": "gov_opinion",
    "livelihood_project": "gov_opinion",
    # cadre_conduct
    "contact_masses": "cadre_opinion",
    "efficiency": "cadre_opinion",
    "service_attitude": "cadre_opinion",
    "integrity": "cadre_opinion",
    "visit_quality": "cadre_opinion",
}

# ---------------------------------------------------------------------------
# 4. Events a liaison must always report (十必报)
# ---------------------------------------------------------------------------

# Source: seeds/004 第三部分(三) "十必报" (labels condensed from the seed's wording).
EVENT_REPORT_KINDS = [
    ("household_change", "联系户家庭和个人工作、生活发生重大变故"),
    ("household_opinion", "联系户有关意见建议"),
    ("environment_disorder", "辖区环境不洁无序"),
    ("new_pregnancy", "发现新增孕妇"),
    ("population_movement", "有关人员流动"),
    ("serious_illness", "群众病重住院"),
    ("neighbour_dispute", "发生邻里纠纷"),
    ("safety_hazard", "发生不安全隐患"),
    ("instability", "发现不稳定因素"),
    ("illegal_construction", "发现辖区内新的违章建筑"),
]

# ---------------------------------------------------------------------------
# 5. Violations found by inspectors (千分制倒扣分)
# ---------------------------------------------------------------------------

# Source: seeds/002 四(三): each case deducts 1 point from 1000; 3+ cases -> 约谈.
VIOLATION_KINDS = [
    ("not_visited", "不入户"),
    ("fake_visit", "虚假入户"),
    ("no_rectification", "不整改"),
    ("fake_rectification", "虚假整改"),
    ("incomplete_rectification", "整改不彻底"),
]

# ---------------------------------------------------------------------------
# 6. Campaign phases
# ---------------------------------------------------------------------------

# Source: seeds/002 三、时间安排.
PHASES = [
    ("organise", "组织部署"),
    ("visiting", "集中走访"),
    ("rectification", "集中整改"),
    ("lookback", "整改回头看"),
    ("summary", "总结评估"),
]

# Source: seeds/002 三、时间安排 (2022 plan dated 6月10日): 组织部署 6月初;
# 集中走访 6月底前; 集中整改 8月上旬前; 回头看 10月上旬前; 总结评估 11月中旬前.
# Read as consecutive windows: Jun 1-10, Jun 11-30, Jul 1-Aug 10, Aug 11-Oct 10,
# Oct 11-Nov 15. Lengths are CALENDAR days (about 5.5 months in all).
DEFAULT_PHASE_DAYS = {
    "organise": 10,
    "visiting": 20,
    "rectification": 41,
    "lookback": 61,
    "summary": 36,
}

# ---------------------------------------------------------------------------
# 7. Deadline tiers for grievances
# ---------------------------------------------------------------------------

# Source: seeds/002 一(三): 即知即办; 5个工作日内提出解决方案; 一般性问题15个工作日、
# 较大的问题30个工作日、特别重大或涉及面大的问题60个工作日内办结回复.
# (code, label, WORKING days; 0 = on the spot).
DEADLINE_TIERS = [
    ("on_spot", "即知即办", 0),
    ("plan", "提出解决方案", 5),
    ("general", "一般性问题", 15),
    ("major", "较大问题", 30),
    ("critical", "特别重大或涉及面大的问题", 60),
]

# ---------------------------------------------------------------------------
# 8. Demo data (fictional district)
# ---------------------------------------------------------------------------

# Sources: structure per DOMAIN.md / seeds/002 (街道、社区、网格 three-level linkage),
# seeds/003 (楼组—居民区—街镇—区), seeds/004 (villages split into 村民小组);
# grievance texts modelled on the issues in seeds/000, 001 and 002's checklist.
# Everything here is fictional: no real district, person or address is meant.
#
# Territory codes: district "D01", street "D01-S01", community "D01-S01-C01",
# grid "D01-S01-C01-G01". Urban communities list their roads and estates
# (小区) for addresses; villages list how many 村民小组 they have.
# "households" on a grid is an approximate household count for generators.
DEMO = {
    "district": {"code": "D01", "name": "青枫区"},
    "streets": [
        {
            "code": "D01-S01",
            "name": "青枫街道",
            "kind": "street",
            "communities": [
                {
                    "code": "D01-S01-C01",
                    "name": "锦绣社区",
                    "kind": "community",
                    "roads": ["锦绣路", "青枫路"],
                    "estates": ["锦绣家园", "电业局家属院", "青枫雅苑"],
                    "grids": [
                        {"code": "D01-S01-C01-G01", "name": "第一网格", "households": 286},
                        {"code": "D01-S01-C01-G02", "name": "第二网格", "households": 312},
                        {"code": "D01-S01-C01-G03", "name": "第三网格", "households": 254},
                    ],
                },
                {
                    "code": "D01-S01-C02",
                    "name": "和平里社区",
                    "kind": "community",
                    "roads": ["和平路", "工农路"],
                    "estates": ["和平里小区", "纺织厂宿舍"],
                    "grids": [
                        {"code": "D01-S01-C02-G01", "name": "第一网格", "households": 341},
                        {"code": "D01-S01-C02-G02", "name": "第二网格", "households": 298},
                    ],
                },
                {
                    "code": "D01-S01-C03",
                    "name": "学府社区",
                    "kind": "community",
                    "roads": ["学府路", "文化路"],
                    "estates": ["学府佳苑", "师苑小区", "建工小区"],
                    "grids": [
                        {"code": "D01-S01-C03-G01", "name": "第一网格", "households": 275},
                        {"code": "D01-S01-C03-G02", "name": "第二网格", "households": 306},
                        {"code": "D01-S01-C03-G03", "name": "第三网格", "households": 228},
                    ],
                },
            ],
        },
        {
            "code": "D01-S02",
            "name": "望湖街道",
            "kind": "street",
            "communities": [
                {
                    "code": "D01-S02-C01",
                    "name": "望湖社区",
                    "kind": "community",
                    "roads": ["望湖路", "新华街"],
                    "estates": ["望湖花园", "阳光新城", "供销社宿舍"],
                    "grids": [
                        {"code": "D01-S02-C01-G01", "name": "第一网格", "households": 324},
                        {"code": "D01-S02-C01-G02", "name": "第二网格", "households": 289},
                        {"code": "D01-S02-C01-G03", "name": "第三网格", "households": 267},
                    ],
                },
                {
                    "code": "D01-S02-C02",
                    "name": "滨河社区",
                    "kind": "community",
                    "roads": ["滨河东路", "兴业路"],
                    "estates": ["滨河名苑", "兴业小区"],
                    "grids": [
                        {"code": "D01-S02-C02-G01", "name": "第一网格", "households": 302},
                        {"code": "D01-S02-C02-G02", "name": "第二网格", "households": 245},
                    ],
                },
            ],
        },
        {
            "code": "D01-S03",
            "name": "柳溪镇",
            "kind": "town",
            "communities": [
                {
                    "code": "D01-S03-C01",
                    "name": "桃园村",
                    "kind": "village",
                    "village_groups": 6,
                    "grids": [
                        {"code": "D01-S03-C01-G01", "name": "第一网格", "households": 168},
                        {"code": "D01-S03-C01-G02", "name": "第二网格", "households": 152},
                    ],
                },
                {
                    "code": "D01-S03-C02",
                    "name": "东岗村",
                    "kind": "village",
                    "village_groups": 8,
                    "grids": [
                        {"code": "D01-S03-C02-G01", "name": "第一网格", "households": 196},
                        {"code": "D01-S03-C02-G02", "name": "第二网格", "households": 174},
                        {"code": "D01-S03-C02-G03", "name": "第三网格", "households": 143},
                    ],
                },
                {
                    "code": "D01-S03-C03",
                    "name": "白沙村",
                    "kind": "village",
                    "village_groups": 5,
                    "grids": [
                        {"code": "D01-S03-C03-G01", "name": "第一网格", "households": 137},
                        {"code": "D01-S03-C03-G02", "name": "第二网格", "households": 129},
                    ],
                },
            ],
        },
    ],
    # Functional units (区直部门, 归口管理) per seeds/001 and seeds/002.
    "departments": [
        {"code": "D01-EDU", "name": "区教育局"},
        {"code": "D01-HEALTH", "name": "区卫生健康委"},
        {"code": "D01-CIVIL", "name": "区民政局"},
        {"code": "D01-HRSS", "name": "区人社局"},
        {"code": "D01-HOUSING", "name": "区住建局"},
    ],
    # Default subject routing (归口): top-level category code -> department code.
    # Categories absent here are routed by territory (属地管理).
    "department_by_category": {
        "childcare_edu": "D01-EDU",
        "medical": "D01-HEALTH",
        "social_assistance": "D01-CIVIL",
        "elderly_care": "D01-CIVIL",
        "labor_income": "D01-HRSS",
        "housing_env": "D01-HOUSING",
    },
    # Child-level exceptions to department_by_category.
    "department_by_subcategory": {
        "pension": "D01-HRSS",
        "maternity": "D01-HEALTH",
        "farm_income": None,  # territorial: town/village agricultural service
        "sanitation": None,  # territorial: street/community
        "street_lights": None,
    },
    # Fictional personal names (visitors and residents); mixed surnames, 2-3 characters.
    "person_names": [
        "张建国",
        "王秀英",
        "李志强",
        "刘桂兰",
        "陈晓东",
        "杨丽华",
        "赵德明",
        "黄文静",
        "周海涛",
        "吴玉梅",
        "徐卫东",
        "孙红霞",
        "胡永刚",
        "朱凤英",
        "高建华",
        "林晓燕",
        "何志明",
        "郭淑芬",
        "马国庆",
        "罗春梅",
        "梁振华",
        "宋雅琴",
        "郑宏伟",
        "谢秋菊",
        "韩立新",
        "唐金凤",
        "冯浩",
        "于洁",
        "董磊",
        "程伟",
        "曹敏",
        "袁鹏",
        "邓静",
        "许强",
        "傅丽",
        "沈涛",
        "曾艳",
        "彭军",
        "吕娜",
        "苏明",
        "卢芳",
        "蒋勇",
        "蔡霞",
        "贾杰",
        "丁琳",
        "魏刚",
        "薛梅",
        "叶晨",
        "余波",
        "潘颖",
        "杜鑫",
        "戴鹏飞",
        "夏雨桐",
        "钟思远",
        "汪淑珍",
        "田玉兰",
        "任家豪",
        "姜文博",
        "范晓丽",
        "方子涵",
        "石振国",
        "姚春生",
        "谭雪梅",
        "廖建平",
        "邹美华",
        "熊国华",
        "金宝珍",
        "陆子轩",
        "郝建军",
        "孔繁荣",
        "白玉洁",
        "崔秀兰",
        "康永福",
        "毛雨欣",
        "邱德胜",
        "秦桂香",
        "江浩然",
        "史秀珍",
        "顾欣怡",
        "侯长林",
    ],
    # Address building blocks. Urban roads/estates are per community above;
    # placeholders: {road} {number} {estate} {building} {unit} {room} {village} {group}
    # {house_number}; {group} runs 1..village_groups of the village.
    "address_patterns": {
        "community": [
            "{road}{number}号{estate}{building}号楼{unit}单元{room}室",
            "{estate}{building}栋{unit}单元{room}",
            "{road}{number}号院{building}号楼{room}室",
        ],
        "village": [
            "{village}{group}组{house_number}号",
        ],
    },
    # Inclusive ranges for the placeholders; room = floor * 100 + door (e.g. 302).
    "address_ranges": {
        "number": (1, 399),
        "building": (1, 28),
        "unit": (1, 6),
        "floor": (1, 7),
        "door": (1, 4),
        "house_number": (1, 86),  # house numbers within a 村民小组
    },
    # seeds/000-like ledger entries: text, child category code, kind.
    "grievances": [
        {
            "text": "3号楼前的路灯坏了半个多月，晚上出门黑漆漆的，老人都不敢下楼。",
            "category": "street_lights",
            "kind": "problem",
        },
        {
            "text": "我们单元住的多是老人，六楼上下太吃力，想申请加装电梯，不清楚要办哪些手续。",
            "category": "old_estate",
            "kind": "problem",
        },
        {
            "text": "老伴住院花了四万多，医保报销比例偏低，异地就医备案和报销手续太麻烦。",
            "category": "medical_insurance",
            "kind": "problem",
        },
        {
            "text": "孩子明年上小学，户口和房产不在一处，担心划片入学没有学位。",
            "category": "school_enrolment",
            "kind": "problem",
        },
        {
            "text": "家里老人瘫痪在床，儿子有残疾，想申请低保，不知道需要准备哪些材料。",
            "category": "dibao",
            "kind": "problem",
        },
        {"text": "小区门口的垃圾桶满了好几天没人清运，天一热味道很大。", "category": "sanitation", "kind": "problem"},
        {
            "text": "通往果园的生产路坑坑洼洼，下雨天三轮车开不进去，樱桃熟了运不出来。",
            "category": "road_repair",
            "kind": "problem",
        },
        {"text": "在工地干了半年活，包工头还欠我一万二的工钱没给。", "category": "wage_arrears", "kind": "problem"},
        {
            "text": "厂子关了以后一直没找到活干，今年四十五了，想参加免费的技能培训。",
            "category": "job_training",
            "kind": "problem",
        },
        {
            "text": "顶楼住户私自在楼顶搭了阳光房，担心压坏防水层，也有安全隐患。",
            "category": "illegal_building",
            "kind": "problem",
        },
        {
            "text": "社区卫生服务站晚上没人值班，孩子半夜发烧只能跑到区医院。",
            "category": "village_clinic",
            "kind": "problem",
        },
        {
            "text": "老楼冬天暖气不热，屋里只有十四五度，找了热力公司好几次都没解决。",
            "category": "utilities",
            "kind": "problem",
        },
        {"text": "楼道里有人给电动车飞线充电，晚上也不拔，担心起火。", "category": "fire_safety", "kind": "problem"},
        {
            "text": "和邻居因为院墙排水的事吵了好几次，希望村里出面调解一下。",
            "category": "dispute_mediation",
            "kind": "problem",
        },
        {
            "text": "孩子考上了外地大学，家里困难，想了解助学贷款和资助政策。",
            "category": "student_aid",
            "kind": "problem",
        },
        {
            "text": "老两口都八十多了，子女在外地，自己做饭越来越吃力，附近没有吃饭的地方。",
            "category": "elder_canteen",
            "kind": "problem",
        },
        {
            "text": "拆迁过渡费已经三个月没发了，安置房什么时候交房也没有准信。",
            "category": "demolition_resettlement",
            "kind": "problem",
        },
        {"text": "征地时地上附着物的补偿款到现在还没有兑现。", "category": "land_compensation", "kind": "problem"},
        {
            "text": "楼下广场舞音响声音太大，晚上十点还在跳，影响老人孩子休息。",
            "category": "pollution",
            "kind": "problem",
        },
        {
            "text": "小广场的健身器材坏了很久，单杠已经松动，怕孩子玩的时候出事。",
            "category": "fitness_equipment",
            "kind": "problem",
        },
        {
            "text": "每月养老金只有四百多元，老两口看病吃药都不够，希望能提高一些。",
            "category": "pension",
            "kind": "problem",
        },
        {
            "text": "想给卧床的母亲申请居家养老上门服务，社区说今年名额已经满了。",
            "category": "home_care",
            "kind": "problem",
        },
        {
            "text": "儿媳刚剖腹产，单位交生育保险不满一年报销不了，想问有没有分娩补助。",
            "category": "maternity",
            "kind": "problem",
        },
        {"text": "学校课后服务只到五点，我们下班晚接不上孩子。", "category": "after_school", "kind": "problem"},
        {"text": "网格里有几户群租房，人员进出频繁，邻居们心里不踏实。", "category": "public_order", "kind": "problem"},
        {
            "text": "送孩子上学必经的路口没有红绿灯，车开得很快，很危险。",
            "category": "traffic_safety",
            "kind": "problem",
        },
        {
            "text": "家里是低保边缘户，老伴常年吃药，想问能不能申请临时救助。",
            "category": "dibao_edge",
            "kind": "problem",
        },
        {"text": "儿子二级肢体残疾，想申请残疾人两项补贴和康复辅具。", "category": "disability", "kind": "problem"},
        {"text": "物业撤走以后小区没人管，车乱停，楼道灯也坏了。", "category": "property_mgmt", "kind": "problem"},
        {"text": "自来水水压太低，五楼以上白天经常没水。", "category": "utilities", "kind": "problem"},
        {"text": "父亲去年签了家庭医生，可一直没见医生上门随访过。", "category": "family_doctor", "kind": "problem"},
        {
            "text": "家里种的樱桃品种老，卖不上价，想请农技人员来指导嫁接新品种。",
            "category": "farm_income",
            "kind": "problem",
        },
        {
            "text": "之前反映的房屋漏水问题说是转给了有关部门，两个月了没有任何回复。",
            "category": "efficiency",
            "kind": "problem",
        },
        {
            "text": "想申请创业担保贷款开个小吃店，不知道去哪里办、需要什么条件。",
            "category": "startup_support",
            "kind": "problem",
        },
        {
            "text": "儿子结婚要分户，申请宅基地好多年都没批下来，一家三代挤在三间旧房里。",
            "category": "housing_security",
            "kind": "problem",
        },
        {
            "text": "接到过好几个冒充客服的诈骗电话，老人分辨不出来，希望多来讲讲怎么防骗。",
            "category": "fraud_prevention",
            "kind": "problem",
        },
        {
            "text": "建议在社区活动室旁边建个长者食堂，方便周边独居老人就近吃饭。",
            "category": "elder_canteen",
            "kind": "suggestion",
        },
        {
            "text": "建议小区增设电动自行车集中充电桩，从根上解决楼道充电的问题。",
            "category": "fire_safety",
            "kind": "suggestion",
        },
        {
            "text": "建议把闲置的老村委会改成文化活动室，晚上大家有个去处。",
            "category": "culture_venue",
            "kind": "suggestion",
        },
        {
            "text": "建议把惠民政策印成明白纸发到各家各户，很多老人不会用手机查。",
            "category": "policy_publicity",
            "kind": "suggestion",
        },
        {
            "text": "建议在学校门口设护学岗，上下学高峰安排人员疏导交通。",
            "category": "traffic_safety",
            "kind": "suggestion",
        },
        {
            "text": "建议干部多在晚上和周末来走访，白天上班的人家里经常没人。",
            "category": "contact_masses",
            "kind": "suggestion",
        },
        {
            "text": "建议在河道上游修拦水坝蓄水，既能护林防火应急，又能浇灌果园。",
            "category": "infrastructure_proposal",
            "kind": "suggestion",
        },
        {
            "text": "建议定期公开村里的财务收支和工程项目情况，让大家心里有数。",
            "category": "grassroots_governance",
            "kind": "suggestion",
        },
        {
            "text": "建议社区暑假开办托管班，解决双职工家庭孩子假期没人看管的问题。",
            "category": "after_school",
            "kind": "suggestion",
        },
    ],
}
