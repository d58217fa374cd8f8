"""Headless Chromium loads a list page, a thread page and a message page of
a built archive: the rendered DOM has the thread tree and the collapsed
quotes, with JavaScript off; screenshots at 360 px and 1280 px wide are
saved for people to look at (build/archive-screenshots/, or
$CONFER_SCREENSHOTS).  Chromium comes from `make deps`; without it this
test fails, it does not skip."""

import os
import pathlib
import shutil
import subprocess
import tempfile

import html5lib

from archive_html import archive_threads
from conftest import REPO
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
