"""Each role's menu shows what the role can use and nothing else, and every entry it shows opens."""

import re

import pytest

from tests.twofactor import verified

MENU = re.compile(r'<nav class="nav">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)')


def menu(client, user):
    verified(client, user)  # the installation superuser, like the administrator roles, passes the second factor
    page = client.get("/").content.decode()
    return {label.strip(): url for url, label in LINK.findall(MENU.search(page).group(1))}


def test_a_cadre_sees_field_work_but_no_imports_api_docs_or_office_pages(client, cast, campaign):
    items = menu(client, cast.cadre)
    assert {"我的走访", "民情日记", "走访覆盖", "问题台账", "登记问题", "消息"} <= set(items)
    assert not {"接口文档", "导入台账", "导入花名册", "补录走访", "走访分配", "农户名册", "督办清单", "系统管理"} & set(
        items
    )


def test_a_handling_unit_sees_its_routed_entries_and_no_visiting_pages(client, cast, campaign):
    items = menu(client, cast.handler)
    assert "交办给我的" in items
    assert not {"我的走访", "民情日记", "走访覆盖", "登记问题", "接口文档"} & set(items)
    home = client.get("/").content.decode()
    assert "我的走访" not in home and "民情日记" not in home and "走访覆盖" not in home
    # Typed in by hand, the pages say it is not theirs, in Chinese.
    for url in ["/visits/", "/visits/diary/", "/visits/coverage/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您的角色不使用此页面" in response.content.decode()


def test_office_staff_see_the_imports_and_the_admin_sees_the_api_docs(client, cast, campaign):
    office = menu(client, cast.office)
    assert {"导入花名册", "补录走访", "导入台账", "走访分配", "督办清单"} <= set(office)
    assert "接口文档" not in office
    assert "接口文档" in menu(client, cast.admin)


@pytest.mark.parametrize("who", ["cadre", "office", "handler", "leader", "inspector", "admin"])
def test_every_menu_entry_opens_for_its_role(client, cast, campaign, who):
    for label, url in menu(client, getattr(cast, who)).items():
        assert client.get(url).status_code == 200, (who, label, url)
