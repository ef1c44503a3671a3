"""Signing in and out through the login page, for the browser tests."""
import re

DEMO_PASSWORD = "demo-pass-2026"


def login(page, base, username, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def logout(page):
    page.click("header .user button")
    page.wait_for_url(re.compile(r".*/login$"))
