"""Hostile mail (tests/e2e/fixtures/hostile) through receive -> run ->
archive: nothing from mail may run or load in a reader's browser, and no
attachment lands outside the archive or under an active type."""

import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

from archive_html import message_page
from test_90_archive_pages import strict_parse

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "hostile"
BANNED = {"script", "style", "iframe", "frame", "frameset", "object",
          "embed", "applet", "form", "input", "button", "textarea",
          "select", "base", "audio", "video", "source", "track", "portal"}
SAFE_EXT = {"png", "jpg", "gif", "webp", "pdf", "txt", "csv", "zip", "gz",
            "tar", "doc", "xls", "odt", "ods", "docx", "xlsx", "mp3", "ogg",
            "mp4", "bin"}
BAD_URL = re.compile(r"^\s*(javascript|data|vbscript|file):", re.I)


@pytest.fixture
def hostile(site):
    site.add_member("mallory@example.org")
    files = sorted(FIXTURES.glob("*.eml"))
    assert len(files) >= 5
    for f in files:
        site.post(f.read_bytes(), sender="mallory@example.org")
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"] * len(files), err
    return site


def local(url):
    return not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", url, re.I)


def test_pages_carry_nothing_active(hostile):
    pages = sorted(hostile.archive.rglob("*.html"))
    assert len(pages) > 10
    for p in pages:
        doc = strict_parse(p)
        for el in doc.iter():
            tag = el.tag if isinstance(el.tag, str) else ""
            tag = tag.split("}")[-1]
            assert tag not in BANNED, (p, tag)
            if tag == "meta":
                assert "http-equiv" not in el.attrib, p
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), (p, tag, name)
                assert name.lower() != "style", (p, tag)
                if name in ("href", "src", "action", "formaction", "data",
                            "poster", "srcset", "xlink:href"):
                    assert not BAD_URL.match(value), (p, tag, value)
            if tag in ("img", "link"):
                url = el.get("src") or el.get("href") or ""
                assert local(url), (p, tag, url)  # no remote resource
            if tag == "img":
                assert re.match(r"^\.\./att/[a-z2-7]{16}/\d+\.(png|jpg|gif|"
                                r"webp)$", el.get("src")), (p, el.get("src"))
        # mail text shows as text: a script survives only escaped
        assert "<script" not in p.read_text().lower(), p


def test_feeds_are_xml_and_pages_carry_no_controls(hostile):
    """Control characters from mail (a form feed in a patch, terminal
    escapes, C1 controls) reach no page or feed: every Atom feed parses as
    XML and the text is still there."""
    feeds = sorted(hostile.archive.rglob("*.atom"))
    assert len(feeds) > 5
    for f in feeds:
        ET.parse(f)         # raises on a character XML does not allow
    bad = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
    texts = [p.read_text() for p in hostile.archive.rglob("*.html")]
    texts += [f.read_text() for f in feeds]
    for t in texts:
        assert not bad.search(t)
    assert any("/* next page */" in t for t in texts)


def test_html_only_mail_readable(hostile):
    ldir = hostile.archive / "network"
    pages = {message_page(p)["message_id"]: p
             for p in (ldir / "msg").glob("*.html")}
    doc = strict_parse(pages["hostile-1@example.org"])
    text = "".join(doc.find(".//div[@class='body']").itertext())
    assert "first item" in text and "second item" in text
    assert "https://ok.example/page" in text
    assert "alert('head')" not in text   # script content dropped
    # the alternative's text part is what shows
    doc = strict_parse(pages["hostile-2@example.org"])
    text = "".join(doc.find(".//div[@class='body']").itertext())
    assert "Plain part wins." in text and "first item" not in text
    links = [a.get("href") for a in doc.find(
        ".//div[@class='body']").iter("a")]
    assert "https://ok.example/a?b=1&c=2" in links
    assert all(h.startswith(("http://", "https://", "mailto:"))
               for h in links), links
    # the forward shows its own headers, as text
    doc = strict_parse(pages["hostile-4@example.org"])
    fwd = doc.find(".//div[@class='fwd']")
    assert fwd is not None and "<script>" in "".join(fwd.itertext())
    # its sender by name only: addresses show only where the site says
    assert "eve@example.org" not in pages["hostile-4@example.org"].read_text()
    hostile.set_setting("archive_show_addresses", "true")
    hostile.ok("archive", "network")
    fwd = strict_parse(pages["hostile-4@example.org"]).find(
        ".//div[@class='fwd']")
    assert "<eve@example.org>" in "".join(fwd.itertext())
    hostile.set_setting("archive_show_addresses", "false")
    hostile.ok("archive", "network")
    # a message with an unparsable Date: shows the time of receipt
    bad = [p for p in pages.values() if "Control characters" in
           p.read_text()]
    assert bad
    doc = strict_parse(bad[0])
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC",
                     doc.find(".//time").text)
    assert "\ufffd" in "".join(doc.itertext())  # controls replaced


def test_attachments_stored_safely(hostile, tmp_path):
    ldir = hostile.archive / "network"
    att = sorted(p for p in (ldir / "att").rglob("*") if p.is_file())
    assert len(att) == 7, att
    for p in att:
        rel = p.relative_to(ldir / "att")
        assert re.match(r"^[a-z2-7]{16}/\d+\.[a-z0-9]+$", str(rel)), rel
        assert p.suffix[1:] in SAFE_EXT, p
    exts = sorted(p.suffix for p in att)
    # html, svg, js, fake png, xml and .htaccess: neutral; a real png: png
    assert exts == [".bin"] * 6 + [".png"], exts
    # nothing escaped the archive
    root = hostile.dir.parent
    for p in root.rglob("*"):
        assert p.name not in ("evil.html", "pic.svg", ".htaccess"), p
        assert "passwd" not in p.name, p
    assert not pathlib.Path("/tmp/evil.html").exists()
    # the original names are shown, cleaned, and kept as download names
    pages = {message_page(p)["message_id"]: p
             for p in (ldir / "msg").glob("*.html")}
    doc = strict_parse(pages["hostile-3@example.org"])
    names = [a.text for a in doc.iter("a") if a.get("download") is not None]
    assert len(names) == 7
    for a in doc.iter("a"):
        if a.get("download") is not None:
            assert a.get("download") == a.text
            assert "/" not in a.text and "\x01" not in a.text
    assert "evil.html" in names and "pic.svg" in names
    # an encoded name with "/" in it keeps only its last part
    assert [n for n in names if n.endswith(".js")] == ["script>.js"]
    imgs = list(doc.iter("img"))
    assert len(imgs) == 1 and imgs[0].get("src").endswith(".png")
