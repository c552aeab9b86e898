#!/usr/bin/python3
"""page_browser.py URL SHOTS_PREFIX DAY TIME: a student moves an appointment
through the students' page (contract section 8) in a real browser:
Debian's chromium, headless, driven by chromium-driver through
python3-selenium, in a 360x640 window (a small phone).

  1. opens URL (the link of the student's SMS); checks there is no
     horizontal scroll (document.documentElement.scrollWidth <=
     window.innerWidth) and that the page names DAY and TIME
  2. clicks "Déplacer le rendez-vous" / "Move the appointment" (a
     <details> summary: no JavaScript on the page)
  3. picks the second proposed slot (clicking its label)
  4. submits ("Choisir ce créneau"), follows the 303 to ?done=move and
     checks the page says the appointment moved, still without scroll

A screenshot of each step is written to SHOTS_PREFIX-N-what.png. Prints one
JSON object: {"slot": EPOCH chosen, "slots": [...], "scroll": [[scrollWidth,
innerWidth]...], "final_url": ..., "final_text": ...}; exits 1 with the
reason on stderr when a check fails.
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=360,640", "--hide-scrollbars", "--lang=fr-FR",
              "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    # Headless chromium keeps windows at least 500 px wide: the phone's
    # viewport is emulated (as DevTools' device mode does), 360x640 CSS px,
    # with the viewport meta tag honoured as on a phone.
    opts.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": 360, "height": 640, "pixelRatio": 2, "mobile": True,
                          "touch": True}})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(20)
    return d


def no_scroll(d, what, out):
    sw, iw = d.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    out["scroll"].append([sw, iw])
    if iw > 400:
        raise AssertionError("%s: the window is %d px wide, not a phone's" % (what, iw))
    if sw > iw:
        raise AssertionError("%s: horizontal scroll (scrollWidth %d > innerWidth %d)"
                             % (what, sw, iw))


def main():
    url, shots, day, time = sys.argv[1:5]
    out = {"scroll": []}
    d = browser()
    try:
        d.get(url)
        d.save_screenshot(shots + "-1-page.png")
        no_scroll(d, "the page", out)
        text = d.find_element(By.TAG_NAME, "body").text
        for s in (day, time):
            if s not in text:
                raise AssertionError("the page does not name %r:\n%s" % (s, text))
        if d.find_element(By.TAG_NAME, "html").get_attribute("lang") not in ("fr", "en"):
            raise AssertionError("no lang on <html>")

        summary = d.find_element(By.TAG_NAME, "summary")
        out["move_button"] = summary.text
        summary.click()
        WebDriverWait(d, 5).until(EC.visibility_of_element_located((By.NAME, "slot")))
        d.save_screenshot(shots + "-2-move-open.png")
        no_scroll(d, "the move form", out)
        radios = d.find_elements(By.NAME, "slot")
        out["slots"] = [int(r.get_attribute("value")) for r in radios]
        if len(radios) < 5:
            raise AssertionError("only %d slots proposed" % len(radios))
        second = radios[1]
        label = d.find_element(By.CSS_SELECTOR, 'label[for="%s"]' % second.get_attribute("id"))
        out["slot_label"] = label.text
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
        label.click()
        if not second.is_selected():
            raise AssertionError("clicking the label did not pick the slot")
        out["slot"] = int(second.get_attribute("value"))
        d.save_screenshot(shots + "-3-slot-picked.png")

        submit = d.find_element(By.XPATH, "//form[.//input[@name='slot']]//button[@type='submit']")
        out["submit_button"] = submit.text
        submit.click()
        WebDriverWait(d, 10).until(EC.url_contains("done=move"))
        d.save_screenshot(shots + "-4-moved.png")
        no_scroll(d, "the page after the move", out)
        out["final_url"] = d.current_url
        out["final_text"] = d.find_element(By.TAG_NAME, "body").text
        out["status_note"] = [e.text for e in d.find_elements(By.CSS_SELECTOR, '[role="status"]')]
    except Exception as e:  # the screenshot of where it failed, then the reason
        try:
            d.save_screenshot(shots + "-failed.png")
        except Exception:
            pass
        print("page_browser: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        print(json.dumps(out, ensure_ascii=False))
        return 1
    finally:
        d.quit()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
