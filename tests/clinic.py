"""Helpers the clinician's page tests share: a clinician's account, a signed-in test
client (over https, so the Secure cookie is sent) and the CSRF token of a page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from skill.clinic.accounts import hash_password

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def add_clinician(app: Flask, email: str, password: str = PASSWORD) -> None:
    assert app.extensions["clinic"]["accounts"].add(email, hash_password(password))


def https_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    data = {"csrf_token": token(client, "/clinic/sign-in"), "email": email, "password": password}
    return client.post("/clinic/sign-in", data=data).status_code


def signed_in(app: Flask, email: str) -> FlaskClient:
    add_clinician(app, email)
    client = https_client(app)
    assert sign_in(client, email) == 302
    return client
