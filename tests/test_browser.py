"""Headless Chromium opens the report of `crmlib report`: the index page and every notebook's
HTML. Each page is screenshotted; every <img> must have loaded (naturalWidth > 0) and the
browser console must show no error (a missing resource, a script error).

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Without them
the test is skipped locally, but fails under CI=true: it must run in CI.
Set CRMLIB_SCREENSHOTS=DIR to keep the screenshots (they go to a temporary folder otherwise),
and CRMLIB_REPORT=DIR to check a report already written (e.g. by ``make run``) instead of
building a small one: ``CRMLIB_REPORT=reports .venv/bin/pytest tests/test_browser.py``.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

# A fast subset: the data tour and the identification notebook, small settings.
NOTEBOOKS = ["00_data_tour", "01_identify_customers"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)


def _need_browser() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    if missing:
        msg = f"{' and '.join(missing)} not installed: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true: the browser test must run in CI; {msg} (.ci/run does)")
        pytest.skip(msg)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    if os.environ.get("CRMLIB_REPORT"):
        given = Path(os.environ["CRMLIB_REPORT"]).resolve()
        assert (given / "index.html").exists(), f"CRMLIB_REPORT={given} has no index.html"
        return given
    root = tmp_path_factory.mktemp("browser")
    out = root / "report"
    # An empty data directory: the default data falls back to CDNOW, the fastest run and the
    # same on every machine (test_report_cli.py runs the command on other data).
    empty = root / "empty_data_dir"
    empty.mkdir()
    # as an analyst runs it: a fresh process, the runner strips MPLBACKEND from the kernels
    env = {**os.environ, "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "-m", "crmlib", "report", "--small", "--data-dir", str(empty),
         "--only", *NOTEBOOKS, "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert (out / "index.html").exists()
    assert _notebooks(out) == NOTEBOOKS
    return out


def _notebooks(report: Path) -> list[str]:
    """The notebooks in a report folder: <report>/<name>/<name>.html."""
    return sorted(d.name for d in report.iterdir() if (d / f"{d.name}.html").exists())


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--hide-scrollbars", "--allow-file-access-from-files"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _pages(report: Path) -> list[Path]:
    extra = [report / "profiles.html"] if (report / "profiles.html").exists() else []
    return [report / "index.html"] + extra + [report / nb / f"{nb}.html" for nb in _notebooks(report)]


def _visit(driver, page: Path, shots: Path) -> dict:
    """Open a page, wait for it and its images, screenshot it; return what the test checks."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(page.as_uri())
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"
        )
    )
    images = driver.execute_script(
        "return Array.from(document.images).map(i => ({src: i.src.slice(0, 60), alt: i.alt,"
        " w: i.naturalWidth, h: i.naturalHeight}))"
    )
    # the whole page, not only the first screen: Chromium renders beyond the viewport
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    # at half scale; Chromium cannot capture more than ~16k device pixels, so a very long
    # page is cut there (its images are still all checked above through the DOM)
    height = min(int(size["height"]), 32000)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": int(size["width"]), "height": height, "scale": 0.5},
    })
    png = shots / f"{page.parent.name}_{page.stem}.png"
    png.write_bytes(base64.b64decode(shot["data"]))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return {"images": images, "errors": errors, "screenshot": png, "title": driver.title}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    keep = os.environ.get("CRMLIB_SCREENSHOTS")
    path = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


# One test, not two: under pytest-xdist two tests of this module could land on different
# workers and each build the report (the module fixture is per worker).
def test_report_pages_load_every_image_without_console_errors(report, browser, shots):
    _check_self_contained_and_links(report)
    seen = {}
    for page in _pages(report):
        seen[page] = result = _visit(browser, page, shots)
        name = page.relative_to(report)
        assert result["images"], f"{name}: no image at all (charts must be shown)"
        broken = [i for i in result["images"] if not i["w"] or not i["h"]]
        assert not broken, f"{name}: images that did not load: {broken}"
        assert not result["errors"], f"{name}: console errors: {result['errors']}"
        assert result["screenshot"].stat().st_size > 10_000, f"{name}: blank screenshot?"

    # The index shows one image per chart the notebooks saved, and each notebook's page
    # shows its own charts inline.
    for nb in _notebooks(report):
        charts = {p.stem for p in (report / nb / "figures").glob("*.png")}
        assert len(seen[report / nb / f"{nb}.html"]["images"]) >= len(charts) > 0, nb
    n_charts = sum(len({p.stem for p in (report / nb / "figures").glob("*.png")}) for nb in _notebooks(report))
    assert len(seen[report / "index.html"]["images"]) == n_charts


def _check_self_contained_and_links(report: Path) -> None:
    """What the pages load is embedded (offline, no console error); what they link exists."""
    import re
    from urllib.parse import unquote

    html = (report / "index.html").read_text(encoding="utf-8")
    # links (<a href>) to the notebooks, figures and tables are relative files; what the page
    # itself loads must be embedded
    assert "url(http" not in html
    resources = re.findall(r'<(?:img|script|link)[^>]+(?:src|href)="(?!data:)([^"]+)"', html)
    assert resources == [], f"the index page loads outside resources: {resources}"
    for nb in _notebooks(report):
        page = (report / nb / f"{nb}.html").read_text(encoding="utf-8")
        loads = re.findall(r'<(?:img|script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
        assert loads == [], f"{nb}.html loads {loads} (breaks offline and logs console errors)"
    links = re.findall(r'<a href="([^"#]+)"', html)
    assert any(u.endswith(".html") for u in links) and "tables.xlsx" in links
    broken = [u for u in links if not (report / unquote(u)).exists()]
    assert broken == [], f"links to missing files: {broken}"
