"""Signing in and out through the login page, for the browser tests."""
import re

DEMO_PASSWORD = "demo-pass-2026"


def login(page, base, username, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    # Staff land on 待办 (/); each of the three administrators (三员) lands on a page of their own part.
    page.wait_for_url(lambda url: not re.search(r"/login(\?|$)", url))


def logout(page):
    page.click("header .user button")
    page.wait_for_url(re.compile(r".*/login$"))
