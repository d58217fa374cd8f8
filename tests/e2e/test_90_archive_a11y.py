"""Keyboard and contrast of the archive pages, measured in headless
Chromium (issue 4: "good contrast, keyboard navigable").

A harness page made by the test loads each archive page in a frame and,
in the rendered page, checks every piece of visible text against the
background it is drawn on (WCAG 2 contrast: at least 4.5:1, 3:1 for
large text) and every link and folded quote for the keyboard: reachable
(no negative or positive tabindex), focusable, drawn with a visible focus
outline, with a skip link first that leads to the main content."""

import json
import re

import html5lib

from test_90_archive_browser import built_forum, chromium

CHECK = r"""
function rgba(c) {
  var m = c.match(/[\d.]+/g).map(Number);
  return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 };
}
function lum(c) {
  var f = function (v) { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
function background(win, el) {
  for (var e = el; e; e = e.parentElement) {
    var c = rgba(win.getComputedStyle(e).backgroundColor);
    if (c.a > 0) return c;
  }
  return { r: 255, g: 255, b: 255, a: 1 };
}
function check(win) {
  var doc = win.document, out = { contrast: [], keyboard: [], min: 99,
    texts: 0, focusables: 0 };
  var all = doc.body.getElementsByTagName("*");
  for (var i = 0; i < all.length; i++) {
    var el = all[i], own = "";
    for (var n = el.firstChild; n; n = n.nextSibling)
      if (n.nodeType === 3) own += n.data;
    if (!own.trim() || !el.getClientRects().length) continue;
    var st = win.getComputedStyle(el);
    if (st.visibility === "hidden") continue;
    var r = el.getBoundingClientRect();
    if (r.right < 0 || r.bottom < 0) continue;   /* off screen: skip link */
    var fg = rgba(st.color), bg = background(win, el);
    var l1 = lum(fg), l2 = lum(bg);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    var need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    out.texts++;
    out.min = Math.min(out.min, ratio);
    if (ratio < need)
      out.contrast.push(el.tagName + "." + el.className + " " +
                        ratio.toFixed(2) + " " + own.trim().slice(0, 30));
  }
  var f = doc.querySelectorAll("a[href], summary, button, input, select, " +
                               "textarea, [tabindex]");
  out.focusables = f.length;
  if (!f.length || !f[0].classList.contains("skip"))
    out.keyboard.push("the first focusable element is not the skip link");
  else {
    var target = doc.getElementById(f[0].getAttribute("href").slice(1));
    if (!target) out.keyboard.push("the skip link leads nowhere");
    f[0].focus();
    if (f[0].getBoundingClientRect().left < 0)
      out.keyboard.push("the focused skip link stays off screen");
  }
  for (var k = 0; k < f.length; k++) {
    var e = f[k], ti = e.getAttribute("tabindex");
    if (ti !== null && parseInt(ti) !== 0)
      out.keyboard.push(e.tagName + " has tabindex " + ti);
    e.focus();
    if (doc.activeElement !== e) {
      out.keyboard.push(e.tagName + " " + e.textContent.slice(0, 30) +
                        " cannot take the focus");
      continue;
    }
    var s = win.getComputedStyle(e);
    if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) {
      out.keyboard.push(e.tagName + " " + e.textContent.slice(0, 30) +
                        " shows no focus outline");
      continue;
    }
    /* the outline stands out from what is around it (WCAG 2.2: 3:1) */
    var oc = lum(rgba(s.outlineColor)), ob = lum(background(win, e));
    var or = (Math.max(oc, ob) + 0.05) / (Math.min(oc, ob) + 0.05);
    if (or < 3)
      out.keyboard.push(e.tagName + " focus outline contrast " +
                        or.toFixed(2));
  }
  return out;
}
"""


def harness(tmp_path, page):
    h = tmp_path / ("check-%s.html" % re.sub(r"\W", "_", page.name))
    h.write_text(
        "<!DOCTYPE html><html><body><pre id='result'>pending</pre>"
        "<iframe id='f' style='width:1280px;height:900px' src='%s'></iframe>"
        "<script>%s\ndocument.getElementById('f').onload = function () {"
        "var r; try { r = check(this.contentWindow); } catch (e) {"
        " r = {error: String(e)}; }"
        "document.getElementById('result').textContent = JSON.stringify(r);"
        "};</script></body></html>" % (page.resolve().as_uri(), CHECK))
    out = chromium("--allow-file-access-from-files",
                   "--virtual-time-budget=10000", "--dump-dom", h.as_uri())
    doc = html5lib.parse(out, namespaceHTMLElements=False)
    pre = doc.find(".//pre[@id='result']")
    assert pre is not None and pre.text != "pending", out[-2000:]
    return json.loads(pre.text)


def test_contrast_and_keyboard(tmp_path):
    site, ldir, budget = built_forum(tmp_path)
    pages = [site.archive / "index.html", ldir / "index.html", budget,
             sorted((ldir / "msg").glob("*.html"))[0],
             sorted(ldir.glob("20*.html"))[0],
             sorted(ldir.glob("20*/*.html"))[0],
             sorted((ldir / "author").glob("*.html"))[0]]
    for page in pages:
        r = harness(tmp_path, page)
        assert "error" not in r, (page, r)
        assert r["texts"] > 5 and r["focusables"] >= 3, (page, r)
        assert r["contrast"] == [], (page, r["contrast"])
        assert r["keyboard"] == [], (page, r["keyboard"])
        assert r["min"] >= 4.5, (page, r["min"])
