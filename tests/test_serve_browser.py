"""End to end: the real ``lmtask serve`` process on a loopback port, its page in headless
Chromium (Debian's, driven by Selenium with the system chromedriver: no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (make browser)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``lmtask serve`` in a subprocess (code-language detector), stopped at the end."""
    reports = tmp_path_factory.mktemp("runs")
    (reports / "demo").mkdir()
    table = "| metric | value |\n|---|---|\n| acc | 0.9 |\n"
    (reports / "demo" / "report.md").write_text("# demo\n\n" + table)
    port = free_port()
    cmd = [sys.executable, "-m", "lmtask", "serve", "--task", "code-language", "--port",
           str(port), "--text-model", "none", "--reports", str(reports)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode()}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not become healthy in 120 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,900"):  # fmt: skip
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_page_classifies_a_text_typed_into_the_form(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(server + "/")
    wait.until(ec.text_to_be_present_in_element((By.ID, "model"), "code-language"))
    box = browser.find_element(By.ID, "text")
    box.send_keys("SELECT name, COUNT(*)\nFROM users\nWHERE age > 30\nGROUP BY name;")
    browser.find_element(By.ID, "classify-btn").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "result-label"), "SQL"))
    bars = browser.find_elements(By.CSS_SELECTOR, "#bars .bar-row")
    assert len(bars) == 25  # one bar per language, the top one first
    assert bars[0].text.startswith("SQL")
    shot = os.environ.get("LMTASK_SCREENSHOT")  # the README's picture: set to a path
    if shot:
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(shot)


def test_the_page_classifies_a_file_with_multi_line_texts(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    upload = tmp_path / "snippets.csv"
    upload.write_text('id,code\n1,"def f(x):\n    return x"\n2,"SELECT a\nFROM b;"\n')
    wait = WebDriverWait(browser, 30)
    browser.get(server + "/")
    wait.until(ec.text_to_be_present_in_element((By.ID, "model"), "code-language"))
    tabs = browser.find_elements(By.CSS_SELECTOR, ".tab")
    next(t for t in tabs if t.get_attribute("data-tab") == "table").click()
    browser.find_element(By.ID, "table-file").send_keys(str(upload))
    browser.find_element(By.ID, "table-btn").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "rows classified"))
    assert browser.find_element(By.ID, "status").text == "2 rows classified"  # not 4 lines


def test_the_page_shows_a_report_folder(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(server + "/")
    browser.find_element(By.CSS_SELECTOR, '.tab[data-tab="reports"]').click()
    wait.until(ec.element_to_be_clickable((By.LINK_TEXT, "demo"))).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "report-view"), "0.9"))
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#report-view td")]
    assert cells == ["acc", "0.9"]
