"""Screenshots of the main pages, desktop and phone, saved as test artifacts (``test-artifacts/``)
for a person to look at. What a person would notice first is asserted: Chinese glyphs rather
than boxes (a CJK font is installed), no sideways scrolling on a phone, no script errors."""

from __future__ import annotations

import subprocess

import pytest

from .test_browser import ARTIFACTS, PAGES, browser, real_site  # noqa: F401  (fixtures)

MAIN = ("home", "standard", "api", "dataset", "catalog", "resource", "search")
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


def test_a_chinese_font_is_installed():
    """Without one, Chromium draws every Chinese character as a box (make test installs one)."""
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    assert fonts.strip(), "没有中文字体:make test 会用 apt-get 安装 fonts-noto-cjk"


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
@pytest.mark.parametrize("name", MAIN)
def test_main_page_screenshot(real_site, browser, name, device):  # noqa: F811
    _, base = real_site
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + PAGES[name])
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}-{device}.png"
    page.screenshot(path=str(target), full_page=False)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors == []
    # the heading's first Chinese character is drawn by a font that has it (not a fallback box)
    heading = page.eval_on_selector("h1", "h => h.textContent")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in heading), heading
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name}: sideways scrolling on a phone"
    context.close()
