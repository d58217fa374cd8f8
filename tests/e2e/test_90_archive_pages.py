"""The archive as a forum (issue 4): strict HTML5 pages, feeds, mbox
downloads, updates that give what a rebuild gives, stable pages whatever
the import order, removal, languages, threading read back from the pages."""

import calendar
import email.utils
import mailbox
import os
import pathlib
import re
import sqlite3
import xml.etree.ElementTree as ET

import html5lib
import pytest

from archive_html import (archive_threads, day_pages, list_page,
                          message_page, parse_page, thread_page)
from conftest import BASE_URL, CORPUS, DOMAIN, init_site, make_message, Site

ATOM = "{http://www.w3.org/2005/Atom}"
NOTMUCH = CORPUS / "notmuch" / "test" / "corpora"


def date(y, mo, d, h=12, mi=0):
    return email.utils.formatdate(calendar.timegm((y, mo, d, h, mi, 0)))


def strict_parse(path):
    """Parses a page with html5lib in strict mode (any parse error raises);
    returns the etree."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    with open(path, "rb") as f:
        try:
            return parser.parse(f, transport_encoding="utf-8")
        except html5lib.html5parser.ParseError as e:
            raise AssertionError("%s: %s" % (path, e))


def tree_snapshot(root):
    """{relative path: bytes} of every file under root."""
    root = pathlib.Path(root)
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def mbox_text(messages):
    """An mboxrd file of (from-line date, raw message bytes) pairs."""
    out = []
    for when, raw in messages:
        out.append(b"From sender@example.org " +
                   time_asctime(when).encode() + b"\n")
        for line in raw.split(b"\n"):
            if re.match(rb"^>*From ", line):
                line = b">" + line
            out.append(line + b"\n")
        out.append(b"\n")
    return b"".join(out)


def time_asctime(t):
    import time
    return time.asctime(time.gmtime(t))


def forum_messages():
    """Threads with replies before parents, a missing root, a month
    boundary inside a thread, quotes and an attribution."""
    base = calendar.timegm((2024, 1, 30, 9, 0, 0))
    specs = [
        ("root", None, "Budget for 2024", "alice"),
        ("r1", "root", "Re: Budget for 2024", "bob"),
        ("r2", "r1", "Re: Budget for 2024", "carol"),
        ("r3", "root", "Re: Budget for 2024", "dave"),
        ("lone", None, "Meeting notes", "erin"),
        ("orphan1", "ghost", "Re: Lost thread", "frank"),
        ("orphan2", "ghost", "Re: Lost thread", "grace"),
        ("r4", "r2", "Re: Budget for 2024", "alice"),
    ]
    refs_of = {}
    out = []
    for i, (mid, parent, subject, who) in enumerate(specs):
        refs = (refs_of.get(parent, []) + [parent]) if parent else []
        refs_of[mid] = refs
        body = ("Message %s from %s.\n" % (mid, who))
        if parent:
            body = ("On Tue, 30 Jan 2024, Someone wrote:\n" +
                    "".join("> quoted line %d of %s\n" % (k, parent)
                            for k in range(6)) + "\n" + body)
        headers = []
        if refs:
            headers += [("In-Reply-To", "<%s@example.org>" % refs[-1]),
                        ("References", " ".join("<%s@example.org>" % r
                                                for r in refs))]
        raw = make_message(frm="%s <%s@example.org>" % (who.title(), who),
                           subject=subject, msgid="<%s@example.org>" % mid,
                           body=body, headers=headers,
                           date=date(2024, 1, 30 + i // 3, 9 + i))
        out.append((base + i * 86400 // 3, raw))
    return out


def new_site(tmp_path, name):
    d = tmp_path / name
    init_site(d, transport="file")
    return Site(d)


def import_all(site, msgs, tmp_path, one_by_one=False, tag="m"):
    if not one_by_one:
        p = tmp_path / ("%s.mbox" % tag)
        p.write_bytes(mbox_text(msgs))
        site.ok("import", "mbox", "network", str(p))
        return
    for k, m in enumerate(msgs):
        p = tmp_path / ("%s-%d.mbox" % (tag, k))
        p.write_bytes(mbox_text([m]))
        site.ok("import", "mbox", "network", str(p))


@pytest.fixture
def forum(tmp_path):
    site = new_site(tmp_path, "forum")
    import_all(site, forum_messages(), tmp_path)
    return site


def pages(site):
    return sorted(site.archive.rglob("*.html"))


def test_every_page_is_strict_html5(forum):
    ps = pages(forum)
    assert len(ps) > 15
    for p in ps:
        doc = strict_parse(p)
        html = doc if doc.tag == "html" else doc.find(".//html")
        assert html is not None and html.get("lang") == "en", p
        assert doc.find(".//main") is not None, p
        assert doc.find(".//h1") is not None, p
        # no inline script or handler of our own either
        assert doc.find(".//script") is None, p
        for el in doc.iter():
            assert not any(a.startswith("on") for a in el.attrib), (p, el)


def test_list_front_page_and_months(forum):
    threads, lp = archive_threads(forum.archive / "network")
    assert lp["count"] == 8 and lp["threads_count"] == 3, lp
    assert sorted(len(ids) for h, ids in threads) == [1, 2, 5]
    # a thread crossing a month boundary is one thread, on both months
    assert set(lp["months"]) == {"2024-01.html", "2024-02.html"}
    budget = [h for h, ids in threads if len(ids) == 5][0]
    for m in lp["months"]:
        days = day_pages(forum.archive / "network" / m)
        assert days, m
        assert any("../" + budget in d.read_text() for d in days), m


def test_thread_page_tree_and_collapsed_quotes(forum):
    threads, lp = archive_threads(forum.archive / "network")
    budget = [h for h, ids in threads if len(ids) == 5][0]
    doc = strict_parse(forum.archive / "network" / budget)
    tree = doc.find(".//nav[@class='treebox']/ul[@class='tree']")
    assert tree is not None
    root_li = tree.find("li")
    # root > (r1 > r2 > r4), r3
    kids = root_li.findall("ul/li")
    assert len(kids) == 2
    assert len(kids[0].findall("ul/li")) == 1
    assert len(kids[0].find("ul/li").findall("ul/li")) == 1
    # every reply's quote with its attribution is folded
    details = doc.findall(".//details[@class='quote']")
    assert len(details) == 4
    assert all("wrote:" in d.find("summary").text for d in details)
    # previous/next thread links exist and point at thread pages
    pager = doc.find(".//nav[@class='pager']")
    for a in pager.findall("a"):
        assert (forum.archive / "network" / "thread" / a.get("href")).exists()


def test_missing_parent_placeholder(forum):
    threads, lp = archive_threads(forum.archive / "network")
    lost = [h for h, ids in threads if len(ids) == 2][0]
    doc = strict_parse(forum.archive / "network" / lost)
    li = doc.find(".//ul[@class='tree']/li")
    span = li.find("span[@class='missing']")
    assert span is not None and span.text == "message not in archive"
    assert len(li.findall("ul/li")) == 2


def test_message_page_links(forum):
    ldir = forum.archive / "network"
    perma = [p for p in (ldir / "msg").glob("*.html")]
    assert len(perma) == 8
    found_reply = False
    for p in perma:
        doc = strict_parse(p)
        links = {a.text: a.get("href") for a in doc.iter("a")}
        assert "Whole thread" in links and "Raw message" in links
        assert (p.parent / links["Raw message"]).exists()
        reply = links["Reply by mail"]
        assert reply.startswith("mailto:network@" + DOMAIN + "?subject=Re%3A")
        assert "&In-Reply-To=%3C" in reply and "&References=" in reply
        if "In reply to" in "".join(doc.itertext()):
            found_reply = True
    assert found_reply


def test_feeds_and_mboxes(forum):
    ldir = forum.archive / "network"
    feed = ET.parse(ldir / "feed.atom").getroot()
    assert feed.tag == ATOM + "feed"
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == 8
    for e in entries:
        assert e.find(ATOM + "id").text.startswith(
            "http://archive.lists.test/arc/network/msg/")
    atoms = list((ldir / "thread").glob("*.atom"))
    assert len(atoms) == 3
    counts = sorted(len(ET.parse(a).getroot().findall(ATOM + "entry"))
                    for a in atoms)
    assert counts == [1, 2, 5]
    total = 0
    for mb in sorted(ldir.glob("*.mbox")):
        total += len(mailbox.mbox(str(mb)))
    assert total == 8
    tm = sorted(len(mailbox.mbox(str(p))) for p in (ldir / "thread").glob(
        "*.mbox"))
    assert tm == [1, 2, 5]


def test_author_pages(forum):
    ldir = forum.archive / "network"
    authors = list((ldir / "author").glob("*.html"))
    assert len(authors) == 7
    for a in authors:
        assert "@" not in a.name
        strict_parse(a)
    alice = [a for a in authors if "Alice" in a.read_text()][0]
    assert len(strict_parse(alice).findall(".//ol[@class='messages']/li")) == 2


def test_update_writes_what_a_rebuild_writes(tmp_path):
    """Messages added one import at a time (each an update), parents after
    their replies, give the same files as one import and a rebuild."""
    msgs = forum_messages()
    a = new_site(tmp_path, "a")
    import_all(a, list(reversed(msgs)), tmp_path, one_by_one=True, tag="a")
    b = new_site(tmp_path, "b")
    import_all(b, msgs, tmp_path, tag="b")
    b.ok("archive", "network")
    sa, sb = tree_snapshot(a.archive), tree_snapshot(b.archive)
    assert sorted(sa) == sorted(sb)
    diff = [k for k in sa if sa[k] != sb[k]]
    assert diff == [], diff
    # and a rebuild of the updated site changes nothing
    a.ok("archive", "network")
    assert tree_snapshot(a.archive) == sa


def test_worker_processes_write_what_one_process_writes(tmp_path):
    """A full build split over worker processes (archive_workers) writes
    the same files as one process; every worker's share is there."""
    msgs = forum_messages()
    base = calendar.timegm((2023, 3, 1, 8, 0, 0))
    for k in range(40):
        raw = make_message(frm="Poster %d <p%d@example.org>" % (k % 7, k % 7),
                           subject="Topic %d" % k,
                           msgid="<topic%d@example.org>" % k,
                           body="Body of topic %d.\n" % k,
                           date=date(2023, 3 + k // 10, 1 + k % 10))
        msgs.append((base + k * 86400 * 3, raw))
    snaps = []
    for workers in (1, 3):
        s = new_site(tmp_path, "w%d" % workers)
        s.set_setting("archive_workers", str(workers))
        import_all(s, msgs, tmp_path, tag="w%d" % workers)
        s.ok("archive", "network")
        snaps.append(tree_snapshot(s.archive))
    one, three = snaps
    assert sorted(one) == sorted(three)
    assert [k for k in one if one[k] != three[k]] == []
    assert len([k for k in one if k.startswith("network/thread/")
                and k.endswith(".html")]) == 43
    # a worker that fails makes the build fail, and says why
    s = Site(tmp_path / "w3")
    victim = sorted((s.dir / "store").rglob("*.eml"))[-1]
    victim.unlink()
    rc, out, err = s.confer("archive", "network")
    assert rc != 0
    assert "cannot read" in err and victim.name in err


def test_reverse_order_import_same_pages(tmp_path):
    msgs = forum_messages()
    a = new_site(tmp_path, "a")
    import_all(a, msgs, tmp_path, tag="a")
    b = new_site(tmp_path, "b")
    import_all(b, list(reversed(msgs)), tmp_path, tag="b")
    sa, sb = tree_snapshot(a.archive), tree_snapshot(b.archive)
    assert sorted(sa) == sorted(sb)
    assert [k for k in sa if sa[k] != sb[k]] == []
    assert sorted((a.archive / "network" / "msg").glob("*.html")) != []


def test_remove_message(forum, tmp_path):
    ldir = forum.archive / "network"
    mp = {message_page(p)["message_id"]: p for p in (ldir / "msg").glob(
        "*.html")}
    victim = mp["r1@example.org"]
    perma = victim.stem
    before = archive_threads(ldir)[0]
    rc, out, err = forum.confer("archive", "remove", "<r1@example.org>",
                                "--reason", "spam")
    assert rc == 0, err
    # the permalink stays, as a placeholder
    doc = strict_parse(victim)
    assert "removed" in "".join(doc.itertext())
    assert "Message r1 from bob" not in victim.read_text()
    assert not (ldir / "msg" / (perma + ".eml")).exists()
    # gone from every page, feed and download
    for p in forum.archive.rglob("*"):
        if p.is_file() and p != victim:
            data = p.read_bytes()
            assert b"Message r1 from bob" not in data, p
            assert b"r1@example.org>\r\n" not in data or p.suffix != ".mbox"
    for mb in list(ldir.glob("*.mbox")) + list((ldir / "thread").glob(
            "*.mbox")):
        for m in mailbox.mbox(str(mb)):
            assert m["Message-ID"] != "<r1@example.org>", mb
    # the thread keeps its shape: r2 still hangs under a placeholder
    threads, lp = archive_threads(ldir)
    budget = [h for h, ids in before if len(ids) == 5][0]
    doc = strict_parse(ldir / budget)
    spans = [s.text for s in doc.iter("span") if s.get("class") == "missing"]
    assert spans == ["message removed"]
    kids = doc.find(".//ul[@class='tree']/li").findall("ul/li")
    assert len(kids) == 2 and kids[0].find("span") is not None
    assert len(doc.findall(".//article")) == 4
    # recorded in the event log
    db = sqlite3.connect(str(forum.dir / "confer.db"))
    ev = db.execute("SELECT action, detail FROM events WHERE action = "
                    "'archive-remove'").fetchall()
    assert ev and "spam" in ev[0][1] and "r1@example.org" in ev[0][1]
    # a rebuild keeps it removed and gives the same pages
    snap = tree_snapshot(forum.archive)
    forum.ok("archive", "network")
    assert tree_snapshot(forum.archive) == snap
    rc, out, err = forum.confer("archive", "remove", "<nope@example.org>",
                                "--reason", "x")
    assert rc == 67


def test_remove_by_address_and_purge(forum):
    """A message named by its page's address or its permalink; --purge
    deletes its original and what the row kept of its sender, also for a
    message removed before."""
    ldir = forum.archive / "network"
    mp = {message_page(p)["message_id"]: p for p in (ldir / "msg").glob(
        "*.html")}
    db = sqlite3.connect(str(forum.dir / "confer.db"))

    def row(mid):
        return db.execute("SELECT removed, from_addr, subject, path FROM "
                          "messages WHERE message_id = ?", (mid,)).fetchone()

    r3 = mp["r3@example.org"]
    stored = forum.dir / "store" / row("r3@example.org")[3]
    assert stored.exists()
    url = BASE_URL + "network/msg/%s.html" % r3.stem
    rc, out, err = forum.confer("archive", "remove", url, "--reason",
                                "legal request", "--purge")
    assert rc == 0, err
    assert "originals deleted" in out
    assert not stored.exists()
    assert not (ldir / "msg" / (r3.stem + ".eml")).exists()
    assert row("r3@example.org") == (1, "", "", "")
    for p in forum.archive.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert b"Message r3 from dave" not in data, p
            assert b"dave@example.org" not in data, p
    # nor listed on its author's pages (which the purge must still find)
    for p in (ldir / "author").rglob("*.html"):
        assert r3.stem not in p.read_text(), p
    ev = db.execute("SELECT detail FROM events WHERE action = "
                    "'archive-remove'").fetchall()
    assert ev[-1][0] == "id=%s reason=legal request purged" % r3.stem
    # removed first, purged later, named by its bare permalink
    r1 = mp["r1@example.org"]
    stored = forum.dir / "store" / row("r1@example.org")[3]
    forum.ok("archive", "remove", "<r1@example.org>", "--reason", "spam")
    assert stored.exists() and row("r1@example.org")[0] == 1
    forum.ok("archive", "remove", r1.stem, "--reason", "spam", "--purge")
    assert not stored.exists() and row("r1@example.org")[3] == ""
    # nothing left to remove or purge: done already, which is no error
    rc, out, err = forum.confer("archive", "remove", r1.stem, "--reason",
                                "spam", "--purge")
    assert rc == 0 and "already removed and its original deleted" in out
    rc, out, err = forum.confer("archive", "remove", "<r1@example.org>",
                                "--reason", "spam")
    assert rc == 0 and "already removed (--purge" in out
    rc, out, err = forum.confer("archive", "remove", "aaaaaaaaaaaaaaaa",
                                "--reason", "x")
    assert rc == 67
    # the thread keeps its shape with two placeholders, and a rebuild
    # agrees with the updates
    snap = tree_snapshot(forum.archive)
    forum.ok("archive", "network")
    assert tree_snapshot(forum.archive) == snap
    db.close()


@pytest.mark.parametrize("lang,word", [("fr", "Tout le fil"),
                                       ("es", "Hilo completo")])
def test_list_language(tmp_path, lang, word):
    site = new_site(tmp_path, "s")
    db = sqlite3.connect(str(site.dir / "confer.db"))
    db.execute("UPDATE lists SET language = ? WHERE name = 'network'",
               (lang,))
    db.commit()
    import_all(site, forum_messages()[:3], tmp_path)
    for p in sorted((site.archive / "network").rglob("*.html")):
        doc = strict_parse(p)
        assert doc.get("lang") == lang, p
    txt = next((site.archive / "network" / "msg").glob("*.html")).read_text()
    assert word in txt


def test_language_change_rebuilds_every_page(tmp_path):
    """`list set L language X` on a list with an archive rebuilds it: every
    page is then what a list in X from the start has."""
    msgs = forum_messages()
    a = new_site(tmp_path, "a")
    import_all(a, msgs, tmp_path, tag="a")
    out = a.ok("list", "set", "network", "language", "es")
    assert "archive rebuilt" in out
    for p in sorted((a.archive / "network").rglob("*.html")):
        assert strict_parse(p).get("lang") == "es", p
    b = new_site(tmp_path, "b")
    b.ok("list", "set", "network", "language", "es")
    import_all(b, msgs, tmp_path, tag="b")
    assert tree_snapshot(a.archive) == tree_snapshot(b.archive)
    # setting the language it already has changes nothing
    assert "rebuilt" not in a.ok("list", "set", "network", "language", "es")
    # a language whose rebuild cannot be owed (no mark can be left) is
    # not taken
    mark = a.archive / "network" / ".incomplete"
    mark.mkdir()
    rc, out, err = a.confer("list", "set", "network", "language", "fr")
    assert rc == 73 and "language not changed" in err
    assert "language: es" in a.ok("list", "show", "network")
    mark.rmdir()
    # a rebuild cut short is done again by the next build
    a.ok("list", "set", "network", "language", "fr")
    (a.archive / "network" / "index.html").write_text("stale")
    (a.archive / "network" / ".incomplete").write_text("")
    a.ok("run", "--once")
    assert strict_parse(a.archive / "network" / "index.html").get(
        "lang") == "fr"


@pytest.mark.parametrize("lang,words", [
    ("fr", ("(sans objet)", "inconnu")),
    ("es", ("(sin asunto)", "desconocido"))])
def test_archive_words_in_the_list_language(tmp_path, lang, words):
    """What the archive itself says for a message without a subject, a
    thread all removed and a sender without a name or an address is in the
    list's language on every page."""
    site = new_site(tmp_path, "w")
    site.ok("list", "set", "network", "language", lang)
    base = calendar.timegm((2024, 2, 1, 9, 0, 0))
    specs = [("<a1@example.org>", None, None, []),
             ("<a2@example.org>", "Bob <bob@example.org>", "Re: x",
              [("In-Reply-To", "<a1@example.org>")]),
             ("<b1@example.org>", "Ann <ann@example.org>", "Plan", []),
             ("<b2@example.org>", "Bob <bob@example.org>", "Re: Plan",
              [("In-Reply-To", "<b1@example.org>")])]
    msgs = [(base + k * 3600,
             make_message(frm=frm, subject=subj, msgid=mid, headers=hdrs,
                          date=date(2024, 2, 1, 9 + k)))
            for k, (mid, frm, subj, hdrs) in enumerate(specs)]
    import_all(site, msgs, tmp_path)
    site.ok("archive", "remove", "b1@example.org", "--reason", "test")
    site.ok("archive", "remove", "b2@example.org", "--reason", "test")
    ldir = site.archive / "network"
    text = "".join(p.read_text() for p in sorted(ldir.rglob("*"))
                   if p.suffix in (".html", ".atom"))
    for english in ("(no subject)", "(removed)", ">unknown<"):
        assert english not in text
    no_subject, unknown = words
    assert no_subject in text and unknown in text


def test_forward_labels_and_french_colons(tmp_path):
    """A forwarded message shows the From, Date and Subject it has, and no
    label for those it lacks; French pages put a no-break space before a
    label's colon."""
    site = new_site(tmp_path, "fwd")
    site.ok("list", "set", "network", "language", "fr")
    inner = ("From: Zoé <zoe@example.org>\nMessage-ID: <in@example.org>\n"
             "\nInner text.\n")
    raw = ("From: Ann <ann@example.org>\nTo: network@%s\nSubject: Fwd\n"
           "Date: %s\nMessage-ID: <outer@example.org>\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
           "Content-Type: text/plain\n\nSee below.\n--b\n"
           "Content-Type: message/rfc822\n\n%s--b--\n"
           % (DOMAIN, date(2024, 3, 1), inner)).encode()
    import_all(site, [(calendar.timegm((2024, 3, 1, 12, 0, 0)), raw)],
               tmp_path)
    (page,) = (site.archive / "network" / "msg").glob("*.html")
    strict_parse(page)
    doc = parse_page(page)
    fwd = doc.find("div", "fwd").find("p", "meta").text()
    assert fwd == "Message transféré\u00a0: De Zoé", fwd
    assert "Date" not in fwd and "Sujet" not in fwd, fwd
    assert "Lien permanent\u00a0:" in doc.text()
    # a forward without From: has no From label; an attachment without a
    # name is named in French; titles and headings put the no-break space
    raw = ("From: Ann <ann@example.org>\nTo: network@%s\nSubject: Fwd 2\n"
           "Date: %s\nMessage-ID: <outer2@example.org>\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
           "Content-Type: message/rfc822\n\nSubject: Only a subject\n\n"
           "Inner.\n--b\nContent-Type: application/octet-stream\n"
           "Content-Transfer-Encoding: base64\n\nAAEC\n--b--\n"
           % (DOMAIN, date(2024, 3, 2))).encode()
    import_all(site, [(calendar.timegm((2024, 3, 2, 12, 0, 0)), raw)],
               tmp_path, tag="f2")
    ldir = site.archive / "network"
    page = [p for p in (ldir / "msg").glob("*.html")
            if "outer2@example.org" in p.read_text()][0]
    doc = parse_page(page)
    fwd = doc.find("div", "fwd").find("p", "meta").text()
    assert fwd == "Message transféré\u00a0: Sujet Only a subject", fwd
    att = doc.find("p", "att").find("a")
    assert att.text() == "pièce jointe" and \
        att.attrs.get("download") == "pièce jointe"
    for pg in [ldir / "2024-03.html", *day_pages(ldir / "2024-03.html"),
               *(ldir / "author").glob("*/2024-03.html")]:
        d = parse_page(pg)
        assert "\u00a0: 2024-03" in d.find("title").text() + \
            d.find("h1").text(), pg


@pytest.mark.parametrize("lang,one,none,two", [
    ("en", "1 reply", "0 replies", "2 messages"),
    ("fr", "1 réponse", "0 réponse", "2 messages"),
    ("es", "1 respuesta", "0 respuestas", "2 mensajes")])
def test_counts_agree_with_their_word(tmp_path, lang, one, none, two):
    """"1 message", "2 messages": the singular where the language wants it
    (French also for 0), on every page that counts."""
    site = new_site(tmp_path, "s")
    db = sqlite3.connect(str(site.dir / "confer.db"))
    db.execute("UPDATE lists SET language = ? WHERE name = 'network'",
               (lang,))
    db.commit()
    db.close()
    t = calendar.timegm((2024, 5, 2, 9, 0, 0))
    msgs = [(t, make_message(subject="alone", msgid="<alone@x.org>")),
            (t + 60, make_message(subject="pair", msgid="<p1@x.org>")),
            (t + 120, make_message(subject="Re: pair", msgid="<p2@x.org>",
                                   headers=[("In-Reply-To", "<p1@x.org>")]))]
    (tmp_path / "c.mbox").write_bytes(mbox_text(msgs))
    site.ok("import", "mbox", "network", str(tmp_path / "c.mbox"))
    ldir = site.archive / "network"
    pages = " ".join(re.sub(r"\s+", " ", "".join(
        strict_parse(p).itertext())) for p in ldir.rglob("*.html"))
    plurals = {"en": r"\b1 (messages|replies|threads)\b",
               "fr": r"\b[01] (messages|réponses|fils)\b",
               "es": r"\b1 (mensajes|respuestas|hilos)\b"}
    assert not re.search(plurals[lang], pages), \
        re.search(plurals[lang], pages).group(0)
    for phrase in (one, none, two):
        assert phrase in pages, phrase


def thread_trees(ldir):
    """[(nested tree of Message-IDs, None for placeholders)] per thread page,
    read from the pages alone."""
    ids = {}
    for p in (ldir / "msg").glob("*.html"):
        ids[p.stem] = message_page(p)["message_id"]

    def walk(li):
        a = li.find("a")
        me = ids[a.get("href")[3:]] if a is not None else None
        return (me, [walk(c) for c in li.findall("ul/li")])
    out = []
    for p in sorted((ldir / "thread").glob("*.html")):
        doc = strict_parse(p)
        out.append(walk(doc.find(".//ul[@class='tree']/li")))
    return out


@pytest.mark.skipif(not NOTMUCH.is_dir(), reason="no notmuch corpus")
def test_notmuch_threading_cases(tmp_path):
    site = new_site(tmp_path, "t")
    msgs = []
    for f in sorted((NOTMUCH / "threading").rglob("*")):
        if f.is_file():
            msgs.append((1466129681, f.read_bytes()))
    import_all(site, msgs, tmp_path)
    trees = {t[0] or t[1][0][0]: t for t in thread_trees(
        site.archive / "network")}
    # In-Reply-To wins over a References that disagrees with it
    assert trees["B00-root@example.org"] == (
        "B00-root@example.org", [("B01-child@example.org", [
            ("B01-grand-child@example.org", [])])])
    # the real root stays the root; the message whose parent is missing
    # sits under a placeholder for that parent, where References put it
    real = trees["000-real-root@example.org"]
    assert real == ("000-real-root@example.org", [
        ("001-child@example.org", [
            (None, [("001-fake-message-root@example.org", [])]),
            ("001-grand-child@example.org", [
                ("001-great-grand-child@example.org", [])]),
            ("001-grand-child2@example.org", [])])])
    # the reply to a real message stays under it
    rt = trees["87bmc6lp3h.fsf@len.workgroup"]
    assert len(rt[1]) == 1 and rt[1][0][0].startswith("rt-4.2.8-22046")

    def count(t):
        return (t[0] is not None) + sum(count(c) for c in t[1])
    assert sum(count(t) for t in trees.values()) == 12


def test_remove_by_address_takes_only_that_lists_copy(tmp_path):
    """A message posted to two lists has one permalink in both; a page's
    address names the copy in its own list, and an address outside this
    site's archive is refused."""
    site = new_site(tmp_path, "x")
    site.ok("list", "create", "health")
    msg = make_message(subject="both lists", msgid="<xpost@example.org>")
    mbox = tmp_path / "x.mbox"
    mbox.write_bytes(mbox_text([(calendar.timegm((2025, 3, 1, 0, 0, 0)),
                                 msg)]))
    for name in ("network", "health"):
        site.ok("import", "mbox", name, str(mbox))
    page = next((site.archive / "network" / "msg").glob("*.html"))
    assert (site.archive / "health" / "msg" / page.name).exists()

    def removed(name):
        db = sqlite3.connect(str(site.dir / "confer.db"))
        r = db.execute("SELECT m.removed FROM messages m JOIN lists l ON "
                       "l.id = m.list_id WHERE l.name = ?",
                       (name,)).fetchone()[0]
        db.close()
        return r

    for bad in ("https://elsewhere.example/archive/network/msg/%s" %
                page.name, "network/msg/nothere.html"):
        rc, out, err = site.confer("archive", "remove", bad, "--reason", "x")
        assert rc == 64 and bad in err, err
    rc, out, err = site.confer("archive", "remove", "nolist/msg/" +
                               page.name, "--reason", "x")
    assert rc == 67 and '"nolist" does not exist' in err
    rc, out, err = site.confer("archive", "remove", "network/msg/" +
                               page.name, "--reason", "x", "--list",
                               "health")
    assert rc == 64
    url = BASE_URL + "network/msg/%s#top" % page.name
    out = site.ok("archive", "remove", url, "--reason",
                  "spam\n2026-01-01 forged line \x1b[31mred\x1b[0m")
    assert "removed 1 message" in out
    # the log shows the reason, with its controls escaped
    log = site.ok("log", "network")
    assert "\x1b" not in log and "forged" in log
    assert len([ln for ln in log.splitlines() if "archive-remove" in ln]) \
        == 1 and not any(ln.startswith("2026-01-01 forged")
                         for ln in log.splitlines())
    assert (removed("network"), removed("health")) == (1, 0)
    # no folder left empty where a rebuild makes none (the day's month,
    # the author's months)
    empty = [d for d in (site.archive / "network").rglob("*")
             if d.is_dir() and not any(d.iterdir())]
    assert {d.name for d in empty} <= {"att", "author"}, empty
    assert b"both lists" not in page.read_bytes()
    assert b"both lists" in (site.archive / "health" / "msg" /
                             page.name).read_bytes()
    # relative to a list's folder: every list (as a bare permalink)
    site.ok("archive", "remove", "msg/" + page.name, "--reason", "spam")
    assert removed("health") == 1


def test_site_templates_override_and_broken_ones_stop_the_build(tmp_path):
    """A file in the site's templates/ folder replaces the default of the
    same name; a broken one (or a partial it names that does not exist,
    or one holding script or bytes that are not UTF-8 text) stops the
    build before anything is written, with its file and line, and exit
    78 (a configuration error)."""
    site = new_site(tmp_path, "s")
    import_all(site, forum_messages()[:3], tmp_path)
    tdir = site.dir / "templates"
    tdir.mkdir(exist_ok=True)
    default = (pathlib.Path(__file__).resolve().parents[2] /
               "archive-templates" / "list.html").read_text()
    (tdir / "list.html").write_text(
        default.replace("<h1>", "<p>Our network's forum</p>\n<h1>", 1))
    site.ok("archive", "network")
    front = site.archive / "network" / "index.html"
    assert "Our network's forum" in front.read_text()
    strict_parse(front)
    before = tree_snapshot(site.archive)
    for name, text, where in (
            ("list.html", "{{>head.html}}\n{{#threads}}\n<p>x</p>\n",
             "list.html:2"),
            ("message.html", "{{>head.html}}\n\n{{>nothere.html}}\n",
             "message.html:3"),
            ("day.html", "{{>head.html}}\n{{/months}}\n", "day.html:2"),
            # what a browser would run, and what is not text
            ("list.html", "{{>head.html}}\n<p class=x\n  onClick = 'f()'>",
             "list.html:3"),
            ("message.html", "{{>head.html}}\n<SCRIPT src=x.js></SCRIPT>",
             "message.html:2"),
            ("day.html", '{{>head.html}}\n\n<a href="JavaScript:f()">x</a>',
             "day.html:3"),
            ("thread.html", b"{{>head.html}}\n\xff\n", "thread.html:2"),
            ("thread.html", b"{{>head.html}}\n\n\n\0", "thread.html:4")):
        for f in tdir.glob("*.html"):
            f.unlink()
        if isinstance(text, bytes):
            (tdir / name).write_bytes(text)
        else:
            (tdir / name).write_text(text)
        rc, out, err = site.confer("archive", "network")
        assert rc == 78, (name, err)
        lines = [ln for ln in err.splitlines() if "error" in ln]
        assert len(lines) == 1 and where in lines[0], err
        assert tree_snapshot(site.archive) == before
    # a link to a template that is not there is an error, not a default
    for f in tdir.glob("*.html"):
        f.unlink()
    (tdir / "thread.html").symlink_to(tmp_path / "nowhere.html")
    rc, out, err = site.confer("archive", "network")
    assert rc == 78 and "thread.html" in err and "link to nothing" in err
    assert tree_snapshot(site.archive) == before
    (tdir / "thread.html").unlink()
    # nor is a named pipe, which must not hang the build
    os.mkfifo(tdir / "thread.html")
    rc, out, err = site.confer("archive", "network")
    assert rc == 78 and "not a regular file" in err, err
    (tdir / "thread.html").unlink()
    (tdir / "day.html").write_text("{{>head.html}}\n{{/months}}\n")
    # an import records its messages, then says the archive needs fixing
    more = [(calendar.timegm((2025, 1, 1, 0, 0, 0)),
             make_message(subject="later", msgid="<later@x.org>"))]
    (tmp_path / "more.mbox").write_bytes(mbox_text(more))
    rc, out, err = site.confer("import", "mbox", "network",
                               str(tmp_path / "more.mbox"))
    assert rc == 78 and "imported 1 messages" in out, err
    # so does a removal: recorded, its pages owed until the fix
    rc, out, err = site.confer("archive", "remove", "<r2@example.org>",
                               "--reason", "test")
    assert rc == 78 and "not updated until the templates are fixed" in err
    # so does the runner: on the pass that took a post, and on the next
    site.add_member("alice@example.org")
    site.post(make_message(subject="by the runner", msgid="<run@x.org>"))
    for k in range(2):
        rc, dec, err = site.run_once()
        assert rc == 78 and "day.html:2" in err, (k, rc, err)
    for f in tdir.glob("*.html"):
        f.unlink()
    site.ok("archive", "network")
    front = (site.archive / "network" / "index.html").read_text()
    assert "later" in front and "by the runner" in front
    assert site.run_once()[0] == 0
    # triple braces in a site template do not print mail raw
    default = (pathlib.Path(__file__).resolve().parents[2] /
               "archive-templates" / "message.html").read_text()
    assert "{{subject}}" in default
    (tdir / "message.html").write_text(
        default.replace("{{subject}}", "{{{subject}}}"))
    raw = [(calendar.timegm((2025, 2, 1, 0, 0, 0)),
            make_message(subject="<i>raw</i>", msgid="<raw@x.org>"))]
    (tmp_path / "raw.mbox").write_bytes(mbox_text(raw))
    site.ok("import", "mbox", "network", str(tmp_path / "raw.mbox"))
    page = [p for p in (site.archive / "network" / "msg").glob("*.html")
            if "raw@x.org" in p.read_text()][0]
    assert "<i>raw</i>" not in page.read_text()
    assert "&lt;i&gt;raw&lt;/i&gt;" in page.read_text()


def test_mail_past_the_limits_says_so(tmp_path):
    """A message nested deeper than the parser goes, or with more parts
    than a page shows, says that part of it is not shown (the raw message
    has it all), instead of showing less without a word."""
    deep = "Hello from the top.\n"
    for k in range(30):
        deep = ("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n%s\n"
                "--b%d--\n" % (k, k, deep if k else
                               "Content-Type: text/plain\n\n" + deep, k))
    many = "".join("--m\nContent-Type: application/octet-stream\n"
                   "Content-Disposition: attachment; filename=f%d.bin\n\n"
                   "x\n" % k for k in range(600))
    msgs = [
        (calendar.timegm((2024, 1, 1, 0, 0, 0)),
         b"From: A <a@x.org>\nSubject: deep\nMessage-ID: <deep@x.org>\n"
         b"MIME-Version: 1.0\n" + deep.encode()),
        (calendar.timegm((2024, 1, 2, 0, 0, 0)),
         b"From: A <a@x.org>\nSubject: many\nMessage-ID: <many@x.org>\n"
         b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n"
         + many.encode() + b"--m--\n"),
        (calendar.timegm((2024, 1, 3, 0, 0, 0)),
         make_message(subject="plain", msgid="<plain@x.org>"))]
    site = new_site(tmp_path, "s")
    (tmp_path / "l.mbox").write_bytes(mbox_text(msgs))
    rc, out, err = site.confer("import", "mbox", "network",
                               str(tmp_path / "l.mbox"))
    assert rc == 0, err
    files = {message_page(p)["message_id"]: p
             for p in (site.archive / "network" / "msg").glob("*.html")}
    pages = {k: p.read_text() for k, p in files.items()}
    note = "Part of this message is not shown"
    assert note in pages["deep@x.org"] and note in pages["many@x.org"]
    assert note not in pages["plain@x.org"]
    # the log names each message cut short, so an operator can find it
    warned = re.findall(r"archive: network: message ([a-z2-7]{16}): part "
                        r"of it is not shown", err)
    assert sorted(warned) == sorted(files[k].stem
                                    for k in ("deep@x.org", "many@x.org"))


def test_reply_link_trims_long_references(tmp_path):
    """A reply link to a message deep in a long thread keeps the root and
    the most recent ancestors (RFC 5322 3.6.4), not only the parent, and
    only their ids: comments and words a mailer left there stay out."""
    import urllib.parse
    refs = ["<r%03d.%s@example.org>" % (k, "x" * 20) for k in range(300)]
    junk = refs[:1] + ["(a comment)", "word"] + refs[1:]
    msg = make_message(subject="deep", msgid="<deep@example.org>",
                       headers=[("References", " ".join(junk) + " tail")])
    site = new_site(tmp_path, "s")
    (tmp_path / "d.mbox").write_bytes(mbox_text(
        [(calendar.timegm((2024, 1, 1, 0, 0, 0)), msg)]))
    site.ok("import", "mbox", "network", str(tmp_path / "d.mbox"))
    page = next((site.archive / "network" / "msg").glob("*.html"))
    href = [a.get("href") for a in strict_parse(page).iter()
            if (a.get("href") or "").startswith("mailto:")][0]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    got = q["References"][0].split()
    assert got[0] == refs[0] and got[-1] == "<deep@example.org>"
    assert got[-2] == refs[-1] and 10 < len(got) < 100
    assert got[1:-1] == refs[len(refs) - (len(got) - 2):]
    assert len(q["References"][0]) <= 1600
    assert all(r.startswith("<") and r.endswith(">") for r in got)

    def refs_of(raw, tag):
        (tmp_path / ("%s.mbox" % tag)).write_bytes(mbox_text(
            [(calendar.timegm((2024, 1, 2, 0, 0, 0)), raw)]))
        site.ok("import", "mbox", "network", str(tmp_path / ("%s.mbox" %
                                                             tag)))
        mid = re.search(rb"Message-ID: <([^>]*)>", raw).group(1).decode()
        page = [p for p in (site.archive / "network" / "msg").glob("*.html")
                if message_page(p)["message_id"] == mid][0]
        href = [a.get("href") for a in strict_parse(page).iter()
                if (a.get("href") or "").startswith("mailto:")][0]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        return q["References"][0].split()

    # a parent with In-Reply-To only: its parent is kept (RFC 5322 3.6.4)
    assert refs_of(make_message(subject="x", msgid="<irt@example.org>",
                                headers=[("In-Reply-To",
                                          "<up@example.org>")]), "irt") == \
        ["<up@example.org>", "<irt@example.org>"]
    # a parent naming itself in its References: named once
    assert refs_of(make_message(subject="y", msgid="<self@example.org>",
                                headers=[("References", "<up@example.org> "
                                          "<self@example.org>")]),
                   "self") == ["<up@example.org>", "<self@example.org>"]


def corpus_threading_messages():
    msgs = []
    for k, f in enumerate(sorted((NOTMUCH / "threading").rglob("*"))):
        if f.is_file():
            msgs.append((1466129681 + k * 60, f.read_bytes()))
    return msgs


def recorded_refs(site):
    """{(Message-ID, id it names)} as the archive recorded them."""
    return set(sqlite3.connect(str(site.dir / "confer.db")).execute(
        "SELECT m.message_id, r.msgid FROM arch_refs r JOIN messages m "
        "ON m.id = r.message").fetchall())


def named_refs(msgs):
    """{(Message-ID, id it names in In-Reply-To or References)}."""
    named = set()
    for when, raw in msgs:
        m = email.message_from_bytes(raw)
        own = (m["Message-ID"] or "").strip().strip("<>")
        for h in ("In-Reply-To", "References"):
            for i in re.findall(r"<([^<>\s]+)>", str(m[h] or "")):
                if i != own:
                    named.add((own, i))
    return named


@pytest.mark.parametrize("source", ["forum", "corpus"])
def test_updates_in_batches_write_what_a_rebuild_writes(tmp_path, source):
    """Several new messages threaded in one update (replies before their
    parents, three at a time) and a rebuild each record the ids a message
    names against that message, so that the update after them finds the
    right threads: the pages are those of one import and a rebuild."""
    if source == "corpus" and not NOTMUCH.is_dir():
        pytest.skip("no notmuch corpus")
    msgs = (forum_messages() if source == "forum"
            else corpus_threading_messages())
    late = [(calendar.timegm((2024, 6, 1, 0, 0, 0)),
             make_message(frm="Frank <frank@example.org>",
                          subject="Lost thread", msgid="<ghost@example.org>",
                          date=date(2024, 6, 1)))]
    a = new_site(tmp_path, "a")
    rev = list(reversed(msgs))
    for k in range(0, len(rev), 3):
        import_all(a, rev[k:k + 3], tmp_path, tag="a%d" % k)
    b = new_site(tmp_path, "b")
    import_all(b, msgs, tmp_path, tag="b")
    b.ok("archive", "network")
    for s in (a, b):
        assert named_refs(msgs) - recorded_refs(s) == set(), \
            "references recorded against another message"
        import_all(s, late, tmp_path, tag="late")
    c = new_site(tmp_path, "c")
    import_all(c, msgs + late, tmp_path, tag="c")
    c.ok("archive", "network")
    sc = tree_snapshot(c.archive)
    for s in (a, b):
        ss = tree_snapshot(s.archive)
        assert sorted(ss) == sorted(sc)
        assert [k for k in ss if ss[k] != sc[k]] == []


def test_replies_in_one_pass_then_their_parents(site):
    """Replies to two different missing parents taken in one `run
    --once`, then each parent: each thread page holds its parent and its
    reply, as a rebuild makes it."""
    for a in ("alice@example.org", "bob@example.org", "carol@example.org"):
        site.add_member(a)
    for who, mid, parent in (("bob", "<reply1@example.org>", "<pa@x.org>"),
                             ("carol", "<reply2@example.org>", "<pb@x.org>")):
        site.post(make_message(frm=who + "@example.org",
                               subject="Re: Plan " + parent, msgid=mid,
                               date=date(2024, 5, 2),
                               headers=[("In-Reply-To", parent),
                                        ("References", parent)]))
    assert site.run_once()[0] == 0, site.last_run_stderr
    assert recorded_refs(site) == {("reply1@example.org", "pa@x.org"),
                                   ("reply2@example.org", "pb@x.org")}
    for parent in ("<pa@x.org>", "<pb@x.org>"):
        site.post(make_message(frm="alice@example.org", subject="Plan",
                               msgid=parent, date=date(2024, 5, 1)))
        assert site.run_once()[0] == 0, site.last_run_stderr
    ldir = site.archive / "network"
    threads, lp = archive_threads(ldir)
    assert sorted(sorted(ids) for href, ids in threads) == [
        ["pa@x.org", "reply1@example.org"],
        ["pb@x.org", "reply2@example.org"]]
    before = tree_snapshot(site.archive)
    site.ok("archive", "network")
    after = tree_snapshot(site.archive)
    assert [k for k in after if after[k] != before.get(k)] == []


def test_reused_message_id_leaves_the_thread_alone(tmp_path):
    """A later message reusing a Message-ID, dated earlier and with another
    subject, does not take the thread (its id, page or subject) from the
    message that reached the list first; it shows inside that thread."""
    site = new_site(tmp_path, "s")
    t0 = calendar.timegm((2024, 3, 1, 9, 0, 0))
    first = [(t0, make_message(frm="Alice <alice@example.org>",
                               subject="Annual report",
                               msgid="<report@example.org>",
                               date=date(2024, 3, 1, 9))),
             (t0 + 3600, make_message(frm="Bob <bob@example.org>",
                                      subject="Re: Annual report",
                                      msgid="<rr@example.org>",
                                      date=date(2024, 3, 1, 10),
                                      headers=[("In-Reply-To",
                                                "<report@example.org>")]))]
    import_all(site, first, tmp_path, tag="first")
    ldir = site.archive / "network"
    pages_before = sorted(p.name for p in (ldir / "thread").glob("*.html"))
    assert len(pages_before) == 1
    late = [(t0 + 86400, make_message(frm="Mallory <m@example.net>",
                                      subject="Take over",
                                      msgid="<report@example.org>",
                                      body="Another text.\n",
                                      date=date(2020, 1, 1)))]
    import_all(site, late, tmp_path, tag="late")
    assert sorted(p.name for p in (ldir / "thread").glob("*.html")) == \
        pages_before
    page = ldir / "thread" / pages_before[0]
    tp = thread_page(page)
    assert tp["subject"] == "Annual report"
    assert len(tp["permalinks"]) == 3
    lp = list_page(ldir / "index.html")
    assert [s for h, s in lp["threads"]] == ["Annual report"]
    # the first message keeps the id's permalink
    link = sqlite3.connect(str(site.dir / "confer.db")).execute(
        "SELECT permalink FROM messages WHERE subject = 'Annual report'"
    ).fetchone()[0]
    assert pages_before[0] == link + ".html"
    before = tree_snapshot(site.archive)
    site.ok("archive", "network")
    assert tree_snapshot(site.archive) == before
    # with the first one removed, the reuse still does not name the thread
    site.ok("archive", "remove", link, "--reason", "spam")
    lp = list_page(ldir / "index.html")
    assert [s for h, s in lp["threads"]] == ["Annual report"]
    assert thread_page(page)["subject"] == "Annual report"


def test_a_date_in_the_future_does_not_keep_a_thread_on_top(tmp_path):
    """Thread order and activity come from when mail reached the list: a
    Date: years ahead counts as the time of receipt."""
    site = new_site(tmp_path, "s")
    msgs = [(calendar.timegm((2024, 1, 10, 9, 0, 0)),
             make_message(subject="Pinned", msgid="<pin@example.org>",
                          date=date(2099, 1, 1))),
            (calendar.timegm((2024, 2, 10, 9, 0, 0)),
             make_message(subject="Newer", msgid="<new@example.org>",
                          date=date(2024, 2, 10, 9)))]
    import_all(site, msgs, tmp_path)
    ldir = site.archive / "network"
    lp = list_page(ldir / "index.html")
    assert [s for h, s in lp["threads"]] == ["Newer", "Pinned"]
    # the message page still shows the Date: it was sent with
    pin = [p for p in (ldir / "msg").glob("*.html")
           if message_page(p)["message_id"] == "pin@example.org"][0]
    assert "2099" in pin.read_text()
    # feed entries are updated when they reached the list
    for feed in [ldir / "feed.atom"] + sorted((ldir / "thread").glob(
            "*.atom")):
        root = ET.parse(feed).getroot()
        for entry in root.findall(ATOM + "entry"):
            assert entry.find(ATOM + "updated").text.startswith("2024-"), \
                feed


def test_update_joins_threads_that_only_references_link(tmp_path):
    """m4 replies to m1 (In-Reply-To) while its References run through m5
    and the missing g1, so m4 and m5 sit in different threads; m7, a
    reply to g1, joins them.  The update must thread m5's thread with
    m4's, as a rebuild does; and a rebuild removes thread files no thread
    has any more."""
    def msg(mid, subject, when, irt=None, refs=None):
        headers = []
        if irt:
            headers.append(("In-Reply-To", "<%s@x.org>" % irt))
        if refs:
            headers.append(("References", " ".join("<%s@x.org>" % r
                                                    for r in refs)))
        return (when, make_message(subject=subject, msgid="<%s@x.org>" % mid,
                                   date=email.utils.formatdate(when),
                                   headers=headers))
    t0 = calendar.timegm((2024, 11, 8, 12, 0, 0))
    batches = [[msg("m5", "Topic m5", t0 + 7200)],
               [msg("m1", "Re: Topic g0", t0, "m0", ["g0", "m0"]),
                msg("m4", "Re: Topic g1", t0 + 3900, "m1",
                    ["m5", "g1", "m1"])],
               [msg("m7", "Re: Topic g1", t0 + 14400, "g1", ["g1"])]]
    a = new_site(tmp_path, "a")
    for k, b in enumerate(batches):
        import_all(a, b, tmp_path, tag="a%d" % k)
    c = new_site(tmp_path, "c")
    import_all(c, [m for b in batches for m in b], tmp_path, tag="c")
    c.ok("archive", "network")
    sa, sc = tree_snapshot(a.archive), tree_snapshot(c.archive)
    assert sorted(sa) == sorted(sc)
    assert [k for k in sa if sa[k] != sc[k]] == []
    threads, lp = archive_threads(a.archive / "network")
    m7 = [ids for href, ids in threads if "m7@x.org" in ids]
    assert len(m7) == 1 and "m5@x.org" in m7[0], threads
    tdir = a.archive / "network" / "thread"
    stale = tdir / ("a" * 16)
    for ext in (".html", ".atom", ".mbox"):
        stale.with_suffix(ext).write_text("old")
    # what is not named like a thread's file is the site's own
    (tdir / "index.html").write_text("no listing")
    (tdir / ("b" * 16 + ".html")).mkdir()
    a.ok("archive", "network")
    sa = tree_snapshot(a.archive)
    assert sa.pop("network/thread/index.html") == b"no listing"
    assert sa == sc
    assert (tdir / ("b" * 16 + ".html")).is_dir()


@pytest.mark.parametrize("links", [30, 520])
def test_threads_chained_by_references(tmp_path, links):
    """Threads whose replies name the next thread's root in References
    while In-Reply-To names their own: each thread is linked to the next.
    A reply in the first makes the update look through the whole chain,
    one round per link: past 500 linked threads it rebuilds instead and
    says so (the 520 case), and either way it writes what a rebuild
    writes.  (That the growing finds threads a new message joins is
    test_update_joins_threads_that_only_references_link.)"""
    t0 = calendar.timegm((2024, 1, 1, 0, 0, 0))
    msgs = []
    for i in range(links):
        msgs.append((t0 + 120 * i, make_message(
            subject="Topic %d" % i, msgid="<r%d@x.org>" % i,
            date=email.utils.formatdate(t0 + 120 * i))))
        msgs.append((t0 + 120 * i + 60, make_message(
            subject="Re: Topic %d" % i, msgid="<c%d@x.org>" % i,
            date=email.utils.formatdate(t0 + 120 * i + 60),
            headers=[("In-Reply-To", "<r%d@x.org>" % i),
                     ("References", "<r%d@x.org>" % (i + 1))])))
    reply = [(t0 + 120 * links, make_message(
        subject="Re: Topic 0", msgid="<late@x.org>",
        date=email.utils.formatdate(t0 + 120 * links),
        headers=[("In-Reply-To", "<c0@x.org>"),
                 ("References", "<r0@x.org> <c0@x.org>")]))]
    a = new_site(tmp_path, "a")
    import_all(a, msgs, tmp_path, tag="a")
    assert len(list((a.archive / "network" / "thread").glob("*.html"))) \
        == links
    (tmp_path / "reply.mbox").write_bytes(mbox_text(reply))
    rc, out, err = a.confer("import", "mbox", "network",
                            str(tmp_path / "reply.mbox"))
    assert rc == 0, err
    assert ("linked to over 500 threads" in err) == (links > 500), err
    c = new_site(tmp_path, "c")
    import_all(c, msgs + reply, tmp_path, tag="c")
    c.ok("archive", "network")
    sa, sc = tree_snapshot(a.archive), tree_snapshot(c.archive)
    assert sorted(sa) == sorted(sc)
    assert [k for k in sa if sa[k] != sc[k]] == []


def test_same_second_arrivals_keep_their_date_order(tmp_path):
    """An mbox whose From lines all carry one second (as some exporters
    write them) still files its messages in the order of their Date:
    fields, whatever order the import reads them in, and whether they come
    in one import or one by one (each an update): day page, month and
    thread mboxes and the list feed agree."""
    when = calendar.timegm((2024, 5, 6, 10, 0, 0))
    msgs, refs = [], []
    for k in range(6):
        headers = []
        if refs:
            headers = [("In-Reply-To", refs[-1]),
                       ("References", " ".join(refs))]
        mid = "<step%d@example.org>" % k
        raw = make_message(frm="Poster <p@example.org>",
                           subject="step %d" % k, msgid=mid,
                           body="Step %d.\n" % k, headers=headers,
                           date=email.utils.formatdate(when - 60 + k))
        refs.append(mid)
        msgs.append((when, raw))
    want = ["step %d" % k for k in range(6)]
    snaps = []
    mix = [msgs[i] for i in (3, 0, 5, 1, 4, 2)]
    for tag, order, one in (("fwd", msgs, False),
                            ("rev", list(reversed(msgs)), False),
                            ("mix", mix, False), ("upd", mix, True)):
        site = new_site(tmp_path, tag)
        import_all(site, order, tmp_path, one_by_one=one, tag=tag)
        ldir = site.archive / "network"
        days = day_pages(ldir / "2024-05.html")
        assert len(days) == 1
        ol = parse_page(days[0]).find("ol", "messages")
        assert [li.find("a").text() for li in ol.find_all("li")] == want
        month = mailbox.mbox(str(ldir / "2024-05.mbox"))
        assert [m["Subject"] for m in month] == want
        (tm,) = (ldir / "thread").glob("*.mbox")
        assert [m["Subject"] for m in mailbox.mbox(str(tm))] == want
        feed = ET.parse(ldir / "feed.atom").getroot()
        assert [e.find(ATOM + "title").text
                for e in feed.findall(ATOM + "entry")] == want[::-1]
        snaps.append(tree_snapshot(site.archive))
    assert snaps[0] == snaps[1] == snaps[2] == snaps[3]


def test_very_long_subject_is_cut_on_pages(tmp_path):
    """A 200 KB Subject (folded) is shown cut to 1,000 bytes at a character
    boundary, ending with "…", on every page and in the reply link; the
    raw message and the mbox keep it whole."""
    import urllib.parse
    words = ("ünïcödé-wörd " * 16000).strip()
    folded = "\n ".join(words[i:i + 70] for i in range(0, len(words), 70))
    raw = make_message(subject=folded, msgid="<long@example.org>")
    site = new_site(tmp_path, "long")
    import_all(site, [(calendar.timegm((2024, 6, 1, 0, 0, 0)), raw)],
               tmp_path)
    ldir = site.archive / "network"
    for p in ldir.rglob("*.html"):
        assert len(p.read_text()) < 40000, p
        strict_parse(p)
    (page,) = (ldir / "msg").glob("*.html")
    h1 = parse_page(page).find("h1").text()
    assert h1.endswith("…") and len(h1.encode()) <= 1000 + 3, len(h1)
    href = [a.get("href") for a in strict_parse(page).iter()
            if (a.get("href") or "").startswith("mailto:")][0]
    subj = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)[
        "subject"][0]
    assert subj.startswith("Re: ünïcödé") and subj.endswith("…")
    assert len(subj.encode()) <= 1010
    month = mailbox.mbox(str(ldir / "2024-06.mbox"))
    assert len(str(month[0]["Subject"])) > 200000
    assert len(page.with_suffix(".eml").read_bytes()) > 200000


def test_what_an_import_makes_is_the_groups(tmp_path):
    """Whoever runs it and whatever their umask, what an import makes in
    the site (store, pages, folders) is writable by the site's group, so
    the runner can update it, and closed to others."""
    import stat
    site = new_site(tmp_path, "perm")
    old = os.umask(0o022)
    try:
        import_all(site, forum_messages(), tmp_path)
    finally:
        os.umask(old)
    made = [p for root in (site.archive, site.dir / "store")
            for p in [root, *root.rglob("*")]]
    assert len(made) > 30
    for p in made:
        mode = stat.S_IMODE(p.lstat().st_mode)
        assert mode & 0o007 == 0, (p, oct(mode))
        if p.is_dir():
            assert mode & 0o070 == 0o070, (p, oct(mode))


def test_participants_whose_names_hold_one_another(tmp_path):
    """A thread's participants list every name once, also when one name
    is part of another ("Anne" and "Ann")."""
    site = new_site(tmp_path, "who")
    msgs = [(calendar.timegm((2024, 7, 1, 9 + k, 0, 0)),
             make_message(frm="%s <p%d@example.org>" % (who, k),
                          subject="Names", msgid="<n%d@example.org>" % k,
                          headers=[("In-Reply-To", "<n0@example.org>")]
                          if k else [], date=date(2024, 7, 1, 9 + k)))
            for k, who in enumerate(["Anne", "Ann", "Anne", "Jo Ann"])]
    import_all(site, msgs, tmp_path)
    doc = parse_page(site.archive / "network" / "index.html")
    meta = doc.find("ol", "threads").find("li").text()
    assert "Anne, Ann, Jo Ann" in meta, meta


def test_rebuild_clears_what_a_killed_build_left(tmp_path):
    """Temporary files a killed build left beside the pages (.tmp-...) are
    gone after the next full build; the site's own files stay."""
    site = new_site(tmp_path, "tmp")
    import_all(site, forum_messages(), tmp_path)
    ldir = site.archive / "network"
    left = [ldir / ".tmp-1.2_3.abc", ldir / "thread" / ".tmp-4.5_6.def",
            ldir / "msg" / ".tmp-7", next(ldir.glob("20*/")) / ".tmp-8"]
    for p in left:
        p.write_text("half a page")
    own = ldir / "thread" / "README.txt"
    own.write_text("ours")
    site.ok("archive", "network")
    assert [p for p in left if p.exists()] == []
    assert own.read_text() == "ours"


def test_shared_message_id_in_one_second_goes_to_the_earlier_date(tmp_path):
    """Two messages with one Message-ID that reached the list in the same
    second (one From-line date): the one with the earlier Date: keeps the
    id's own permalink, whatever their order in the mbox."""
    when = calendar.timegm((2024, 1, 15, 10, 0, 0))
    # eight pairs, so that no order of content hashes can pass by luck
    pairs = [[(when, make_message(subject="%s %d" % (s, k),
                                  msgid="<dup%d@example.org>" % k,
                                  body="%s %d\n" % (s, k),
                                  date=date(2024, 1, 15, h)))
              for s, h in (("first by date", 11), ("second by date", 12))]
             for k in range(8)]
    first = [p[0] for p in pairs]
    second = [p[1] for p in pairs]
    rows = []
    for tag, order in (("ab", first + second), ("ba", second + first),
                       ("one", first)):
        site = new_site(tmp_path, tag)
        import_all(site, order, tmp_path, tag=tag)
        db = sqlite3.connect(str(site.dir / "confer.db"))
        rows.append(dict(db.execute("SELECT subject, permalink FROM "
                                    "messages")))
        db.close()
    ab, ba, one = rows
    assert ab == ba
    for k in range(8):
        assert ab["first by date %d" % k] == one["first by date %d" % k]


def test_purge_while_templates_are_broken(forum):
    """A purge when the site's templates stop the update still forgets the
    sender at once; once they are fixed, the next pass leaves no trace of
    the message, its sender's pages included, as a rebuild would."""
    ldir = forum.archive / "network"
    tdir = forum.dir / "templates"
    tdir.mkdir(exist_ok=True)
    (tdir / "foot.html").write_text("<script>x()</script>\n")
    rc, out, err = forum.confer("archive", "remove", "<r3@example.org>",
                                "--reason", "legal", "--purge")
    assert rc == 78, err
    db = sqlite3.connect(str(forum.dir / "confer.db"))
    assert db.execute("SELECT from_addr, subject FROM messages WHERE "
                      "message_id = 'r3@example.org'").fetchone() == ("", "")
    db.close()
    (tdir / "foot.html").unlink()
    assert forum.run_once()[0] == 0
    for p in ldir.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert b"Message r3 from dave" not in data, p
            assert b"Dave" not in data, p
    snap = tree_snapshot(forum.archive)
    forum.ok("archive", "network")
    assert tree_snapshot(forum.archive) == snap
