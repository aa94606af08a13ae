def test_login_page_answers_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录大走访管理系统" in response.content.decode()
