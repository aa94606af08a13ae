"""A new campaign starts from the seeds' checklist, deadline table, phase lengths and focus list."""

from datetime import date

import pytest

from campaigns import presets, services


def test_new_campaign_gets_the_seed_checklist_deadlines_phases_and_focus(tree):
    c = services.create_campaign(
        actor=None, name="测试区2026年大走访", territory=tree.district, year=2026, start=date(2026, 6, 1)
    )
    assert [q.area for q in c.checklist.all()][:3] == ["劳有厚得、弱有众扶", "住有宜居", "病有良医"]
    assert c.checklist.count() == 9
    assert {t.code: (t.label, t.working_days) for t in c.tiers.all()} == {
        "on_spot": ("即知即办", 0),
        "plan": ("提出解决方案", 5),
        "general": ("一般性问题", 15),
        "major": ("较大问题", 30),
        "critical": ("特别重大或涉及面大的问题", 60),
    }
    # seeds/002: 组织部署 from early June to 总结评估 by mid-November.
    assert [(p.kind, p.start, p.end) for p in c.phases.all()][::4] == [
        ("organise", date(2026, 6, 1), date(2026, 6, 10)),
        ("summary", date(2026, 10, 11), date(2026, 11, 15)),
    ]
    assert sorted(c.focus_categories.values_list("name", flat=True)) == sorted(
        ["老党员", "困难户", "孤寡老人", "留守儿童", "上访户"]
    )


def test_a_data_file_missing_a_phase_is_refused_when_read(monkeypatch):
    presets.phase_days.cache_clear()
    monkeypatch.setattr(presets, "read", lambda name: {"days": {"organise": 10, "visiting": 20}})
    with pytest.raises(ValueError, match="phases.toml"):
        presets.phase_days()
    presets.phase_days.cache_clear()
