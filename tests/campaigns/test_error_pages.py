"""Error pages speak Chinese inside the app's layout with a way back; the API keeps JSON."""

from django.test import Client


def test_a_missing_page_answers_in_chinese_inside_the_layout_with_a_way_back(client, cast):
    client.force_login(cast.cadre)
    response = client.get("/visits/households/999999/", HTTP_REFERER="http://testserver/visits/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "Not Found" not in page
    assert 'class="topbar"' in page  # the app's own layout, with its menu
    assert 'href="http://testserver/visits/">返回上一页' in page
    assert "回到首页" in page


def test_a_refused_page_says_why_in_chinese(client, cast):
    client.force_login(cast.cadre)
    response = client.get("/visits/import/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限" in page and "只有活动办工作人员可以导入花名册" in page
    assert "403 Forbidden" not in page


def test_a_csrf_failure_is_explained_in_chinese_not_django_debug_advice(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.office)
    response = client.post("/visits/import/", {})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "DEBUG" not in page
    assert 'class="topbar"' in page


def test_the_api_keeps_json_for_unknown_paths_and_csrf_failures(api, cast):
    response = api(cast.cadre).get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "页面不存在"}
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.office)
    response = client.post("/api/visits/import/", {})
    assert response.status_code == 403
    assert response.json()["detail"]


def test_a_crash_answers_with_the_chinese_500_page(client, cast, settings):
    from campaigns import views

    response = views.server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()
