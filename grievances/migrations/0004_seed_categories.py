"""Install the two-level category taxonomy (问题类别).

The rows are frozen here as this migration installs them: a migration must give the same result
whenever it runs, so it never reads the app's data files or code, which keep changing. Later
changes to the taxonomy are the admin's (or a new migration's). Routing to departments (归口) is
filled only where a department of the demo district already exists; on a fresh database none
does, and the demo fills it when it builds its district.
"""

from django.db import migrations

# (code, name, children as (code, name)): seeds/002's service areas and seeds/000's groups.
TAXONOMY = [
    (
        "labor_income",
        "劳有厚得（就业收入）",
        [
            ("job_seeking", "就业岗位与求职"),
            ("job_training", "职业技能培训"),
            ("wage_arrears", "拖欠工资"),
            ("startup_support", "创业扶持与贷款"),
            ("farm_income", "农业生产与增收"),
            ("social_insurance", "社会保险参保缴费"),
        ],
    ),
    (
        "social_assistance",
        "弱有众扶（社会救助）",
        [
            ("dibao", "最低生活保障（低保）"),
            ("dibao_edge", "低保边缘户与临时救助"),
            ("extreme_poverty", "特困人员供养（五保）"),
            ("disability", "残疾人帮扶"),
            ("special_hardship", "特殊困难家庭帮扶（一户一策）"),
            ("veteran_care", "优抚安置"),
        ],
    ),
    (
        "housing_env",
        "住有宜居（住房与环境）",
        [
            ("road_repair", "道路硬化与维修"),
            ("street_lights", "路灯照明"),
            ("sanitation", "垃圾清运、环境卫生与绿化"),
            ("pollution", "生态环境与污染（含噪声）"),
            ("old_estate", "老旧小区改造与加装电梯"),
            ("utilities", "供水、供电、供暖、供气"),
            ("property_mgmt", "物业管理与停车"),
            ("housing_security", "住房保障与宅基地"),
        ],
    ),
    (
        "medical",
        "病有良医（医疗卫生）",
        [
            ("clinic_access", "看病就医便利"),
            ("medical_insurance", "医保参保与报销"),
            ("village_clinic", "村（社区）卫生室"),
            ("hospital_service", "医院服务质量"),
            ("family_doctor", "家庭医生签约服务"),
            ("serious_illness_aid", "大病救助"),
        ],
    ),
    (
        "childcare_edu",
        "幼有善育、学有优教（育幼与教育）",
        [
            ("maternity", "孕产期服务与生育保险"),
            ("infant_care", "婴幼儿照护与托育"),
            ("kindergarten", "幼儿园入园"),
            ("school_enrolment", "中小学入学与学位"),
            ("after_school", "课后服务与假期托管"),
            ("school_transport", "上下学交通与校园安全"),
            ("student_aid", "困难学生资助"),
        ],
    ),
    (
        "elderly_care",
        "老有颐养（养老服务）",
        [
            ("home_care", "居家和社区养老服务"),
            ("nursing_home", "机构养老（敬老院）"),
            ("elder_canteen", "长者食堂与助餐"),
            ("pension", "养老保险待遇"),
            ("elder_allowance", "高龄津贴"),
            ("age_friendly", "适老化改造"),
        ],
    ),
    (
        "culture_sport",
        "民有文乐（文化体育）",
        [
            ("culture_venue", "文体设施与场所"),
            ("fitness_equipment", "健身器材维护"),
            ("culture_activity", "文体活动组织"),
            ("public_culture", "农家书屋与公共文化服务"),
        ],
    ),
    (
        "public_safety",
        "安有保全（平安建设）",
        [
            ("public_order", "社会治安"),
            ("dispute_mediation", "矛盾纠纷调解"),
            ("fire_safety", "消防与安全隐患"),
            ("traffic_safety", "道路交通安全"),
            ("food_safety", "食品药品安全"),
            ("illegal_building", "违章建筑与乱搭乱建"),
            ("fraud_prevention", "防范电信网络诈骗"),
        ],
    ),
    (
        "legal_land",
        "涉法涉诉、征地拆迁",
        [
            ("litigation", "涉法涉诉"),
            ("petition_backlog", "信访积案"),
            ("land_compensation", "征地补偿"),
            ("demolition_resettlement", "拆迁安置"),
            ("land_contract", "土地承包与山林权属纠纷"),
        ],
    ),
    (
        "other",
        "其他困难和问题",
        [
            ("policy_consult", "政策咨询"),
            ("enterprise", "企业经营困难"),
            ("water_irrigation", "农田水利与生产用水"),
            ("gov_service", "证照办理与政务服务"),
            ("misc", "其他"),
        ],
    ),
    (
        "opinion_gov",
        "对党委政府工作的意见建议",
        [
            ("development_plan", "发展规划"),
            ("policy_publicity", "政策宣传"),
            ("infrastructure_proposal", "基础设施建设"),
            ("grassroots_governance", "基层治理与村（居）务公开"),
            ("livelihood_project", "民生实事项目"),
        ],
    ),
    (
        "cadre_conduct",
        "对干部作风的意见",
        [
            ("contact_masses", "联系群众、深入基层"),
            ("efficiency", "办事效率"),
            ("service_attitude", "服务态度"),
            ("integrity", "廉洁自律"),
            ("visit_quality", "走访工作质量"),
        ],
    ),
]
# The demo district's 归口 departments by top-level category code, and the child exceptions
# (None: routed by territory, 属地管理).
DEPARTMENT_BY_CATEGORY = {
    "childcare_edu": "D01-EDU",
    "medical": "D01-HEALTH",
    "social_assistance": "D01-CIVIL",
    "elderly_care": "D01-CIVIL",
    "labor_income": "D01-HRSS",
    "housing_env": "D01-HOUSING",
}
DEPARTMENT_BY_SUBCATEGORY = {
    "pension": "D01-HRSS",
    "maternity": "D01-HEALTH",
    "farm_income": None,
    "sanitation": None,
    "street_lights": None,
}


def seed(apps, schema_editor):
    Category = apps.get_model("grievances", "GrievanceCategory")
    OrgUnit = apps.get_model("campaigns", "OrgUnit")
    departments = {u.code: u for u in OrgUnit.objects.filter(level="department")}
    for i, (code, name, children) in enumerate(TAXONOMY):
        parent, _ = Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "order": (i + 1) * 100, "default_department": departments.get(DEPARTMENT_BY_CATEGORY.get(code))},
        )
        for j, (child_code, child_name) in enumerate(children):
            dept_code = DEPARTMENT_BY_SUBCATEGORY[child_code] if child_code in DEPARTMENT_BY_SUBCATEGORY else DEPARTMENT_BY_CATEGORY.get(code)
            Category.objects.get_or_create(
                code=child_code,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "order": (i + 1) * 100 + j + 1,
                    "default_department": departments.get(dept_code),
                },
            )


def unseed(apps, schema_editor):
    Category = apps.get_model("grievances", "GrievanceCategory")
    Grievance = apps.get_model("grievances", "Grievance")
    codes = [child_code for _code, _name, children in TAXONOMY for child_code, _child_name in children]
    tops = [code for code, _name, _children in TAXONOMY]
    used = set(Grievance.objects.values_list("category__code", flat=True).distinct())
    # Categories already used by entries stay (PROTECT); the rest go.
    Category.objects.filter(code__in=codes).exclude(code__in=used).delete()
    Category.objects.filter(code__in=tops, children__isnull=True).exclude(code__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0003_ledger_lifecycle_fields"),
        ("campaigns", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
