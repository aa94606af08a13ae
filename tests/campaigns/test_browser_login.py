from tests.conftest import login


def test_cadre_logs_in_on_a_phone_and_sees_their_home_page(browser_page, cast, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base = browser_page
    login(page, base, "t_cadre")
    assert "您好，李网格" in page.content()
    # Nothing overflows the 390 px viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
