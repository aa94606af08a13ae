"""Browsers ask for /favicon.ico on every site: it answers with an icon, and pages link it."""


def test_favicon_is_served_and_linked(client, cast):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    client.force_login(cast.cadre)
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").content.decode()
