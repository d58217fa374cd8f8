"""Headless Chromium loads a list page, a thread page and a message page of
a built archive: the rendered DOM has the thread tree and the collapsed
quotes, with JavaScript off; screenshots at 360 px and 1280 px wide are
saved for people to look at (build/archive-screenshots/, or
$CONFER_SCREENSHOTS).  Chromium comes from `make deps`; without it this
test fails, it does not skip."""

import calendar
import email.utils
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import html5lib

from archive_html import archive_threads
from conftest import REPO, make_message
from test_90_archive_pages import forum_messages, import_all, new_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# Headless --dump-dom and --screenshot need the script engine on; the
# pages hold no script at all (test_90_archive_hostile checks), so what
# renders here is what renders with JavaScript off.
SHOTS = pathlib.Path(os.environ.get("CONFER_SCREENSHOTS") or
                     REPO / "build" / "archive-screenshots")


def chromium(*args):
    assert CHROMIUM, "chromium is not installed: run `make deps`"
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run([CHROMIUM, *FLAGS, "--user-data-dir=" + profile,
                            *args], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return r.stdout.decode("utf-8")


def dom(path):
    out = chromium("--dump-dom", path.resolve().as_uri())
    return html5lib.parse(out, namespaceHTMLElements=False)


def shoot(path, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for w, h in ((360, 800), (1280, 900)):
        f = SHOTS / ("%s-%d.png" % (name, w))
        if f.exists():
            f.unlink()
        chromium("--screenshot=" + str(f), "--window-size=%d,%d" % (w, h),
                 "--hide-scrollbars", path.resolve().as_uri())
        assert f.exists() and f.stat().st_size > 1000, f


def built_forum(tmp_path):
    """The forum fixture's archive: (site, list folder, the page of its
    five-message thread)."""
    site = new_site(tmp_path, "forum")
    import_all(site, forum_messages(), tmp_path)
    ldir = site.archive / "network"
    threads, _ = archive_threads(ldir)
    return site, ldir, ldir / [h for h, ids in threads if len(ids) == 5][0]


def test_browser_renders_archive(tmp_path):
    site, ldir, budget = built_forum(tmp_path)
    msg = sorted((ldir / "msg").glob("*.html"))[0]

    doc = dom(ldir / "index.html")
    rows = doc.findall(".//ol[@class='threads']/li")
    assert len(rows) == 3
    assert doc.find(".//nav[@class='months']") is not None

    doc = dom(budget)
    tree = doc.find(".//nav[@class='treebox']/ul[@class='tree']")
    assert tree is not None and len(list(tree.iter("li"))) == 5
    quotes = doc.findall(".//details[@class='quote']")
    assert len(quotes) == 4
    assert all(q.get("open") is None for q in quotes), "quotes folded"
    assert all(q.find("summary") is not None for q in quotes)
    assert len(doc.findall(".//article")) == 5

    doc = dom(msg)
    assert doc.find(".//article") is not None
    assert doc.find(".//dd[@class='mid']") is not None

    shoot(ldir / "index.html", "list")
    shoot(budget, "thread")
    shoot(msg, "message")
    shoot(site.archive / "index.html", "home")


MEASURE = r"""
function measure(win) {
  var doc = win.document, links = doc.querySelectorAll("ul.tree a");
  var out = { links: links.length, narrowest: 1e9, overflow: 0,
              deepest: 0 };
  for (var i = 0; i < links.length; i++) {
    var li = links[i].closest("li"), r = li.getBoundingClientRect();
    out.narrowest = Math.min(out.narrowest, r.width);
    if (r.right > win.innerWidth + 1) out.overflow++;
    var d = 0;
    for (var e = li; e; e = e.parentElement) if (e.tagName === "UL") d++;
    out.deepest = Math.max(out.deepest, d);
  }
  return out;
}
"""


def test_deep_thread_stays_readable(tmp_path):
    """A reply chain 300 deep: in Chromium at 360 px wide, every message is
    in the thread tree, none runs past the screen, each keeps room to be
    read, and the browser still sees the tree nested (deeper than the
    point where the style sheet stops indenting).  The thread's feed
    keeps to the latest messages."""
    base = calendar.timegm((2024, 4, 1, 8, 0, 0))
    msgs = []
    for k in range(300):
        hdrs = [("In-Reply-To", "<deep%d@example.org>" % (k - 1))] if k else []
        msgs.append((base + k * 60, make_message(
            frm="P%d <p%d@example.org>" % (k % 2, k % 2),
            subject="Re: a long argument" if k else "A long argument",
            msgid="<deep%d@example.org>" % k, headers=hdrs,
            date=email.utils.formatdate(base + k * 60))))
    site = new_site(tmp_path, "deep")
    import_all(site, msgs, tmp_path)
    (page,) = (site.archive / "network" / "thread").glob("*.html")
    h = tmp_path / "measure.html"
    h.write_text(
        "<!DOCTYPE html><html><body style='margin:0'><pre id='result'>"
        "pending</pre><iframe id='f' style='width:360px;height:800px;"
        "border:0' src='%s'></iframe><script>%s\n"
        "document.getElementById('f').onload = function () { var r;"
        " try { r = measure(this.contentWindow); } catch (e) {"
        " r = {error: String(e)}; }"
        " document.getElementById('result').textContent ="
        " JSON.stringify(r); };</script></body></html>"
        % (page.resolve().as_uri(), MEASURE))
    out = chromium("--allow-file-access-from-files",
                   "--virtual-time-budget=10000", "--dump-dom", h.as_uri())
    doc = html5lib.parse(out, namespaceHTMLElements=False)
    pre = doc.find(".//pre[@id='result']")
    assert pre is not None and pre.text != "pending", out[-2000:]
    r = json.loads(pre.text)
    assert "error" not in r, r
    assert r["links"] == 300, r
    assert r["overflow"] == 0, r
    assert r["narrowest"] >= 200, r
    assert r["deepest"] >= 100, r
    # its feed carries the latest 30 messages, newest first
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(page.with_suffix(".atom")).getroot()
    updated = [e.find(atom + "updated").text
               for e in feed.findall(atom + "entry")]
    assert len(updated) == 30 and updated == sorted(updated, reverse=True)
    assert updated[0] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                       time.gmtime(base + 299 * 60))
