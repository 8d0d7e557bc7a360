"""The HTML view in a real headless browser (chromium driven by selenium).

The page must render right to left, highlight duplicates and reused
passages, and its links must land on the paragraph the record names,
scrolled into view. Each test saves a screenshot to its tmp_path and, when
TIKRAR_SCREENSHOT_DIR is set, there too (``TIKRAR_SCREENSHOT_DIR=docs
pytest tests/test_browser.py -k examples`` remakes docs/view.png).

Without chromium, chromedriver or selenium the tests skip, saying what is
missing; with TIKRAR_REQUIRE_BROWSER=1 (as in CI) they fail instead.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

import tikrar
from tikrar.io import read_paths
from tikrar.view import paragraph_anchor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
REQUIRED = os.environ.get("TIKRAR_REQUIRE_BROWSER", "") not in ("", "0")
WIDTH, HEIGHT = 1000, 700

WIRE = ("أعلنت وزارة الصحة اليوم إطلاق حملة وطنية للتطعيم ضد الإنفلونزا الموسمية تشمل جميع المدارس والجامعات "
        "في المناطق الشمالية والجنوبية")
WIRE_2 = "وأضافت الوزارة أن الحملة ستستمر ستة أسابيع بمشاركة ألفي ممرض وممرضة من مختلف المستشفيات الحكومية والخاصة"
NEW = "وفي سياق متصل قال مدير المستشفى المركزي إن الأقسام مستعدة لاستقبال الزوار طوال الأسبوع المقبل"
#: An article id with every character that markup or a URL could trip on.
ODD_ID = 'wire "<&>\' 2'


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason}, and TIKRAR_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(reason)


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install 'tikrar[test]')")
    chromium = _find(("chromium", "chromium-browser", "google-chrome"))
    driver_path = _find(("chromedriver",))
    if chromium is None:
        _unavailable("no chromium browser on PATH (Debian: apt-get install chromium)")
    if driver_path is None:
        _unavailable("no chromedriver on PATH (Debian: apt-get install chromium-driver)")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    try:
        # The driver's path is given, so selenium never looks for one online.
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
    except WebDriverException as err:
        _unavailable(f"chromium did not start: {err.msg}")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def save_screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    assert path.stat().st_size > 1000
    wanted = os.environ.get("TIKRAR_SCREENSHOT_DIR")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(wanted) / name)
    return path


FILLER_WORDS = ("المدينة السوق الطريق المدرسة الحديقة المستشفى الملعب الجامعة المكتبة الميناء المطار القطار "
                "الشارع المبنى المتحف المعرض المصنع المزرعة النهر الجبل البحر الشاطئ الوادي الصحراء").split()


def fillers(count: int, prefix: str) -> list[tuple[str, str, str]]:
    """Articles that push the paragraphs apart, so that a link's target is
    off screen until the link is followed: words in a different order in
    every paragraph, so none repeats another."""
    rng = random.Random(7)
    articles = []
    for k in range(count):
        lines = [" ".join(rng.sample(FILLER_WORDS, 14)) for _ in range(4)]
        articles.append((f"{prefix}{k}", "\n".join(lines), f"filler{k}"))
    return articles


@pytest.fixture(scope="module")
def report():
    articles = [
        ("wire 1", WIRE + "\n" + WIRE_2, "was"),
        (ODD_ID, "صرح المتحدث باسم الأمانة بأن أعمال الصيانة في الطريق الدائري ستنتهي قبل موعدها بأسبوعين على الأقل",
         "was"),
        *fillers(6, "f"),
        ("paper", "\n".join([
            NEW + " " + WIRE,
            WIRE_2,
            "صرح المتحدث باسم الأمانة بأن أعمال الصيانة في الطريق الدائري ستنتهي قبل موعدها بأسبوعين على الأقل",
            "اقرأ أيضاً:",
        ]), "sabq"),
    ]
    return tikrar.dedup(articles)


@pytest.fixture(scope="module")
def page_url(report, tmp_path_factory):
    path = tmp_path_factory.mktemp("view") / "page.html"
    report.to_html(path)
    return path.as_uri()


def in_view(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;", element)


def open_page(driver, url: str):
    driver.get(url)
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.execute_script("return window.scrollY") == 0


def test_the_records_are_what_the_page_is_checked_against(report):
    by_ref = {(r.doc_id, r.index): r for r in report}
    assert by_ref[("paper", 0)].label == "unique"
    assert [(p.doc_id, p.index) for p in by_ref[("paper", 0)].reused] == [("wire 1", 0)]
    assert (by_ref[("paper", 1)].label, by_ref[("paper", 1)].duplicate_of) == ("duplicate", tikrar.ParagraphRef("wire 1", 1))
    assert by_ref[("paper", 2)].duplicate_of == tikrar.ParagraphRef(ODD_ID, 0)
    assert (by_ref[("paper", 3)].label, by_ref[("paper", 3)].reason) == ("boilerplate", "read_also_heading")
    assert all(r.label == "unique" and not r.reused for r in report if r.doc_id.startswith("f"))


def test_page_renders_right_to_left(browser, page_url, tmp_path):
    open_page(browser, page_url)
    assert browser.execute_script("return [document.documentElement.dir, document.documentElement.lang]") == ["rtl", "ar"]
    from selenium.webdriver.common.by import By

    text = browser.find_element(By.ID, paragraph_anchor("wire 1", 0)).find_element(By.CSS_SELECTOR, ".tk-text")
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", text) == "rtl"
    # A short line starts at the right edge of its box and leaves room on the left.
    box, line = browser.execute_script(
        "const p = document.getElementById(arguments[0]); const r = document.createRange();"
        "r.selectNodeContents(p.querySelector('.tk-text'));"
        "const a = p.getBoundingClientRect(), b = r.getBoundingClientRect();"
        "return [[a.left, a.right], [b.left, b.right]];", paragraph_anchor("paper", 3))
    assert box[1] - line[1] < 60 < line[0] - box[0]
    save_screenshot(browser, tmp_path, "view-top.png")


def test_duplicates_reused_passages_and_boilerplate_are_marked(browser, page_url, tmp_path):
    from selenium.webdriver.common.by import By

    open_page(browser, page_url)
    style = "return getComputedStyle(arguments[0])[arguments[1]]"
    duplicate = browser.find_element(By.ID, paragraph_anchor("paper", 1))
    unique = browser.find_element(By.ID, paragraph_anchor("wire 1", 1))
    assert browser.execute_script(style, duplicate, "backgroundColor") == "rgb(253, 226, 225)"
    assert browser.execute_script(style, unique, "backgroundColor") == "rgba(0, 0, 0, 0)"
    (passage,) = browser.find_elements(By.CSS_SELECTOR, "a.tk-reuse")
    assert passage.text == WIRE
    assert "underline" in browser.execute_script(style, passage, "textDecorationLine")
    assert browser.execute_script(style, passage, "backgroundColor") == "rgb(227, 244, 232)"
    boilerplate = browser.find_element(By.ID, paragraph_anchor("paper", 3))
    assert browser.execute_script(style, boilerplate, "color") == "rgb(138, 138, 138)"
    assert boilerplate.find_element(By.CSS_SELECTOR, ".tk-rule").text == "read_also_heading"
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "a-paper"))
    save_screenshot(browser, tmp_path, "view-marks.png")


@pytest.mark.parametrize("doc_id, index, css", [
    ("paper", 1, "a.tk-link"),    # a duplicate: its link goes to duplicate_of
    ("paper", 2, "a.tk-link"),    # ... of a paragraph whose doc_id is full of markup characters
    ("paper", 0, "a.tk-reuse"),   # a reused passage: its link goes to the source paragraph
])
def test_links_land_on_the_paragraph_the_record_names(browser, page_url, report, tmp_path, doc_id, index, css):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    record = next(r for r in report if (r.doc_id, r.index) == (doc_id, index))
    named = record.duplicate_of if css == "a.tk-link" else record.reused[0]
    target_id = paragraph_anchor(named.doc_id, named.index)
    open_page(browser, page_url)
    source = browser.find_element(By.ID, paragraph_anchor(doc_id, index))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", source)
    target = browser.find_element(By.ID, target_id)
    assert not in_view(browser, target), "the target must start off screen for the scroll to be checked"
    link = source.find_element(By.CSS_SELECTOR, css)
    assert link.get_attribute("href").endswith("#" + target_id)
    link.click()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return location.hash") == "#" + target_id)
    landed = browser.execute_script("return document.getElementById(location.hash.slice(1))")
    assert landed.get_attribute("id") == target_id
    assert (landed.get_attribute("data-doc"), landed.get_attribute("data-index")) == (named.doc_id, str(named.index))
    assert browser.execute_script("return arguments[0].matches(':target')", landed)
    assert in_view(browser, landed)
    assert browser.execute_script(
        "return getComputedStyle(arguments[0]).outlineStyle", landed) == "solid"
    save_screenshot(browser, tmp_path, f"view-link-{doc_id}-{index}.png")


def test_view_of_the_examples(browser, tmp_path):
    """The view of the shipped examples, as docs/view.png shows it."""
    from selenium.webdriver.common.by import By

    report = tikrar.dedup(list(read_paths([EXAMPLES])))
    path = tmp_path / "examples.html"
    report.to_html(path)
    # Tall enough for the summary, the duplicates and the boilerplate of 03_heatwave.
    browser.set_window_size(1100, 2350)
    try:
        open_page(browser, path.as_uri())
        sections = browser.find_elements(By.CSS_SELECTOR, "section.tk-article")
        assert [s.get_attribute("data-doc") for s in sections] == [
            "01_metro_opening", "02_metro_wire", "03_heatwave", "04_book_fair", "05_prices"]
        assert len(browser.find_elements(By.CSS_SELECTOR, ".tk-duplicate")) == 5
        assert len(browser.find_elements(By.CSS_SELECTOR, ".tk-boilerplate")) == 8
        save_screenshot(browser, tmp_path, "view.png")
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
