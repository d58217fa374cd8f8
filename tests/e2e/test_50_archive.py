"""The static archive, `threads --json` and `import mbox`."""

import calendar
import email.utils
import re
import time

import pytest

from archive_html import (archive_threads, home_page, list_page,
                          message_page, parse_page)
from conftest import DOMAIN, make_message

NET = "network@" + DOMAIN


def strip_ids(ids):
    return [i.strip().strip("<>") for i in ids]


def date(y, mo, d, h=12):
    return email.utils.formatdate(calendar.timegm((y, mo, d, h, 0, 0)))


@pytest.fixture
def posters(site):
    for a in ("alice@example.org", "bob@example.org", "carol@example.org"):
        site.add_member(a)
    return site


def thread_fixture(site, env=None):
    """Two threads: root <- r1 <- r11, root <- r2; and a lone message.
    Dates increase in this order: root, r1, other, r2, r11."""
    msgs = [
        make_message(frm="alice@example.org", subject="Root topic",
                     msgid="<root@example.org>", date=date(2024, 1, 1)),
        make_message(frm="bob@example.org", subject="Re: Root topic",
                     msgid="<r1@example.org>", date=date(2024, 1, 2),
                     headers=[("In-Reply-To", "<root@example.org>"),
                              ("References", "<root@example.org>")]),
        make_message(frm="carol@example.org", subject="Other topic",
                     msgid="<other@example.org>", date=date(2024, 1, 3)),
        make_message(frm="carol@example.org", subject="Re: Root topic",
                     msgid="<r2@example.org>", date=date(2024, 1, 4),
                     headers=[("In-Reply-To", "<root@example.org>"),
                              ("References", "<root@example.org>")]),
        make_message(frm="alice@example.org", subject="Re: Re: Root topic",
                     msgid="<r11@example.org>", date=date(2024, 1, 5),
                     headers=[("In-Reply-To", "<r1@example.org>"),
                              ("References",
                               "<root@example.org> <r1@example.org>")]),
    ]
    for m in msgs:
        site.post(m, env=env)
    rc, dec, err = site.run_once(env=env)
    assert [d["outcome"] for d in dec] == ["accepted"] * len(msgs), err
    return dec


def test_threads_json(posters):
    site = posters
    thread_fixture(site)
    th = site.threads()
    assert len(th) == 2
    t0, t1 = th
    assert t0["messages"] == ["root@example.org", "r1@example.org",
                              "r11@example.org", "r2@example.org"], \
        "depth-first tree order, newest activity first"
    assert t0["count"] == 4
    assert t0["subject"] == "Root topic"
    assert t1["messages"] == ["other@example.org"]
    assert t1["count"] == 1 and t1["subject"] == "Other topic"
    assert t0["first"].startswith("2024-01-01")
    assert t0["last"].startswith("2024-01-05")
    assert len({t0["id"], t1["id"]}) == 2
    for t in th:
        assert set(t) >= {"id", "subject", "count", "first", "last",
                          "messages"}


def test_threads_newest_activity_first(posters):
    """Six threads whose newest messages are on six different days, posted
    in a shuffled order: the list shows the newest activity first."""
    site = posters
    order = [3, 0, 5, 1, 4, 2]
    for k in order:
        site.post(make_message(frm="alice@example.org",
                               subject="Topic %d" % k,
                               msgid="<t%d@example.org>" % k,
                               date=date(2023, 2, 1 + k)))
    # a late reply makes topic 0 the most active
    site.post(make_message(frm="bob@example.org", subject="Re: Topic 0",
                           msgid="<t0-reply@example.org>",
                           date=date(2023, 3, 1),
                           headers=[("In-Reply-To", "<t0@example.org>")]))
    rc, dec, err = site.run_once()
    assert len(dec) == 7, err
    th = site.threads()
    assert [t["subject"] for t in th] == [
        "Topic 0", "Topic 5", "Topic 4", "Topic 3", "Topic 2", "Topic 1"]
    lasts = [t["last"] for t in th]
    assert lasts == sorted(lasts, reverse=True)
    threads, lp = archive_threads(site.archive / "network")
    assert [s for h, s in lp["threads"]] == [t["subject"] for t in th]
    assert lp["wrong_thread_links"] == [], \
        "message pages whose 'Whole thread' link is another thread"


def test_archive_pages(posters):
    site = posters
    dec = thread_fixture(site)
    ldir = site.archive / "network"
    threads, lp = archive_threads(ldir)
    assert lp["count"] == 5 and lp["threads_count"] == 2, lp
    assert lp["wrong_thread_links"] == [], \
        "message pages whose 'Whole thread' link is another thread"
    assert [strip_ids(ids) for href, ids in threads] == [
        ["root@example.org", "r1@example.org", "r11@example.org",
         "r2@example.org"], ["other@example.org"]]
    js = site.threads()
    assert [re.search(r"thread/([^/]+)\.html$", href).group(1)
            for href, ids in threads] == [t["id"] for t in js]
    # every accepted message has its permalink page, which names its thread
    for d in dec:
        mp = message_page(ldir / "msg" / (d["reason"].split()[-1] + ".html"))
        assert mp["thread_url"] and (ldir / "msg" / mp["thread_url"]).exists()
    # the home page lists the list with its counts
    home = home_page(site.archive / "index.html")
    assert "network" in home
    members, messages = home["network"]
    assert members == "3" and messages == "5", home
    # no page refers to a missing local page
    for page in [site.archive / "index.html"] + sorted(ldir.rglob("*.html")):
        doc = parse_page(page)
        assert not doc.errors, (page, doc.errors[:3])
        for a in doc.find_all("a"):
            href = a.attrs.get("href") or ""
            if not href or re.match(r"^(https?:|mailto:|#)", href):
                continue
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.exists(), "%s links to missing %s" % (page, href)


def test_month_pages_by_time_of_receipt(posters):
    site = posters
    received = calendar.timegm((2021, 3, 15, 12, 0, 0))
    env = {"CONFER_NOW": str(received)}
    msg = make_message(frm="alice@example.org", subject="Old date",
                       date=date(2019, 7, 1), msgid="<old@example.org>")
    site.post(msg, env=env)
    rc, dec, err = site.run_once(env=env)
    assert [d["outcome"] for d in dec] == ["accepted"], err
    ldir = site.archive / "network"
    assert (ldir / "2021-03.html").exists(), sorted(
        p.name for p in ldir.iterdir())
    assert not (ldir / "2019-07.html").exists()
    month = parse_page(ldir / "2021-03.html")
    assert "2021-03/15.html" in [a.attrs.get("href")
                                 for a in month.find_all("a")]
    day = parse_page(ldir / "2021-03" / "15.html")
    hrefs = [a.attrs.get("href") for a in day.find_all("a")]
    assert "../msg/%s.html" % dec[0]["reason"].split()[-1] in hrefs
    assert "2021-03.html" in list_page(ldir / "index.html")["months"]


def test_archive_escapes_html(posters):
    site = posters
    evil = '<script>alert("x")</script> & <b>bold</b>'
    msg = make_message(frm='"<img src=x onerror=alert(1)>" <alice@example.org>',
                       subject=evil, msgid="<evil@example.org>",
                       body='<script>alert("body")</script>\n<a href="javascript:x">y</a>\n')
    site.post(msg)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    ldir = site.archive / "network"
    for page in [site.archive / "index.html"] + sorted(ldir.rglob("*.html")):
        doc = parse_page(page)
        assert not list(doc.find_all("script")), "script element in %s" % page
        assert not list(doc.find_all("b")), "markup from mail in %s" % page
        assert not list(doc.find_all("img")), "markup from mail in %s" % page
        for a in doc.find_all("a"):
            assert not (a.attrs.get("href") or "").startswith("javascript:")
    mp = message_page(ldir / "msg" / (dec[0]["reason"].split()[-1] + ".html"))
    assert mp["subject"] == evil
    assert 'alert("body")' in mp["doc"].text()


def test_archive_hides_addresses_by_default(posters):
    site = posters
    site.post(make_message(frm="Alice Liddell <alice@example.org>",
                           subject="hidden", body="hello\n"))
    rc, dec, err = site.run_once()
    for page in sorted((site.archive / "network").rglob("*.html")):
        assert "alice@example.org" not in page.read_text(), page
    mp = message_page(site.archive / "network" / "msg" /
                      (dec[0]["reason"].split()[-1] + ".html"))
    assert "Alice Liddell" in mp["doc"].text()


def test_archive_grows_across_runs(posters):
    site = posters
    site.post(make_message(frm="alice@example.org", subject="first",
                           msgid="<g1@example.org>"))
    site.run_once()
    lp = list_page(site.archive / "network" / "index.html")
    assert lp["count"] == 1
    site.post(make_message(frm="bob@example.org", subject="Re: first",
                           msgid="<g2@example.org>",
                           headers=[("In-Reply-To", "<g1@example.org>")]))
    site.run_once()
    threads, lp = archive_threads(site.archive / "network")
    assert lp["count"] == 2 and lp["threads_count"] == 1
    assert [strip_ids(ids) for h, ids in threads] == [
        ["g1@example.org", "g2@example.org"]]


def test_duplicate_post_archived_once(posters):
    site = posters
    msg = make_message(frm="alice@example.org", msgid="<dup@example.org>")
    site.post(msg)
    site.post(msg)
    rc, dec, err = site.run_once()
    assert sorted(d["outcome"] for d in dec) == ["accepted", "duplicate"], err
    th = site.threads()
    assert [t["messages"] for t in th] == [["dup@example.org"]]
    # each member got it once
    counts = {}
    for env, raw in site.deliveries():
        for r in env["rcpt_tos"]:
            counts[r] = counts.get(r, 0) + 1
    assert set(counts.values()) == {1}


def test_same_message_id_different_content_both_archived(posters):
    site = posters
    site.post(make_message(frm="alice@example.org", msgid="<same@example.org>",
                           body="one\n"))
    site.post(make_message(frm="bob@example.org", msgid="<same@example.org>",
                           body="two\n"))
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted", "accepted"], err
    assert len({d["reason"] for d in dec}) == 2, "permalinks must differ"
    for d in dec:
        assert (site.archive / "network" / "msg" /
                (d["reason"].split()[-1] + ".html")).exists()


# --- import mbox -------------------------------------------------------------

def mbox_from_line(raw):
    """An mbox From line carrying the message's Date (asctime form)."""
    m = re.search(rb"^Date:[ \t]*(.+)$", raw, re.M | re.I)
    t = None
    if m:
        try:
            tup = email.utils.parsedate_tz(m.group(1).decode("latin-1"))
            t = email.utils.mktime_tz(tup) if tup else None
        except (TypeError, ValueError, OverflowError):
            t = None
    if t is None or not 0 <= t < 4102444800:
        t = 0
    return b"From MAILER-DAEMON " + time.strftime(
        "%a %b %e %H:%M:%S %Y", time.gmtime(t)).encode()


def mboxrd(messages):
    """messages: raw bytes each; returns an mboxrd file."""
    out = []
    for raw in messages:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1]
        out.append(mbox_from_line(raw) + b"\n")
        for line in raw.split(b"\n"):
            if re.match(rb"^>*From ", line):
                line = b">" + line
            out.append(line + b"\n")
        if not raw.endswith(b"\n"):
            out.append(b"\n")
        out.append(b"\n")
    return b"".join(out)


def test_import_mbox(site, tmp_path):
    site.ok("list", "create", "old")
    site.add_member("alice@example.org")
    site.add_member("alice@example.org", "old")
    msgs = [
        make_message(frm="alice@example.org", to="old@" + DOMAIN,
                     subject="Imported root", msgid="<imp1@example.org>",
                     date=date(2010, 5, 1),
                     body="From the start\n>From quoted\nplain\n"),
        make_message(frm="bob@example.org", to="old@" + DOMAIN,
                     subject="Re: Imported root", msgid="<imp2@example.org>",
                     date=date(2010, 5, 2),
                     headers=[("In-Reply-To", "<imp1@example.org>")]),
        make_message(frm="bob@example.org", to="old@" + DOMAIN,
                     subject="Lonely", msgid="<imp3@example.org>",
                     date=date(2010, 6, 9)),
    ]
    box = tmp_path / "old.mbox"
    box.write_bytes(mboxrd(msgs))
    rc, out, err = site.confer("import", "mbox", "old", box)
    assert rc == 0, err
    assert re.search(r"imported 3 ", out), out
    th = site.threads("old")
    assert [t["messages"] for t in th] == [
        ["imp3@example.org"], ["imp1@example.org", "imp2@example.org"]]
    # nothing delivered or queued, nothing in the network list
    site.run_once()
    assert site.deliveries() == []
    assert site.queue_lines()[1] == 0
    assert site.threads("network") == []
    # months by the From line date; the body's From lines unescaped once
    ldir = site.archive / "old"
    assert (ldir / "2010-05.html").exists() and (ldir / "2010-06.html").exists()
    threads, lp = archive_threads(ldir)
    assert lp["count"] == 3
    store = sorted((site.dir / "store").rglob("*.eml"))
    bodies = b"".join(p.read_bytes() for p in store)
    assert b"\r\nFrom the start\r\n>From quoted\r\n" in bodies
    # importing again adds nothing
    rc, out, err = site.confer("import", "mbox", "old", box)
    assert rc == 0
    assert re.search(r"imported 0 ", out), out
    assert len(site.threads("old")) == 2


@pytest.mark.parametrize("args,code", [
    (["import", "mbox", "nosuch", "FILE"], 67),
    (["import", "mbox", "network", "MISSING"], 66),
    (["import", "mbox", "network", "FILE", "--format", "mboxz"], 64),
])
def test_import_errors(site, tmp_path, args, code):
    box = tmp_path / "x.mbox"
    box.write_bytes(mboxrd([make_message()]))
    args = [str(box) if a == "FILE" else str(tmp_path / "missing.mbox")
            if a == "MISSING" else a for a in args]
    rc, out, err = site.confer(*args)
    assert rc == code, (rc, out, err)
    assert site.threads("network") == []


def test_import_not_an_mbox(site, tmp_path):
    f = tmp_path / "plain.txt"
    f.write_bytes(make_message())
    rc, out, err = site.confer("import", "mbox", "network", f)
    assert rc != 0
    assert site.threads("network") == []


def test_import_mboxcl2_and_mboxo(site, tmp_path):
    """mboxcl2: Content-Length says where a message ends, and a body line
    starting with "From " is not a separator.  mboxo: ">From " loses its
    '>', ">>From " is left alone."""
    site.ok("list", "create", "cl2")
    site.ok("list", "create", "mo")
    body1 = "first line\nFrom here on it is body\n\nFrom again\n"
    m1 = make_message(frm="alice@example.org", subject="cl2 one",
                      msgid="<cl2-1@example.org>", date=date(2012, 3, 4),
                      body=body1)
    m2 = make_message(frm="bob@example.org", subject="cl2 two",
                      msgid="<cl2-2@example.org>", date=date(2012, 3, 5),
                      headers=[("In-Reply-To", "<cl2-1@example.org>")],
                      body="second\n")
    parts = []
    for m in (m1, m2):
        head, body = m.split(b"\n\n", 1)
        parts.append(mbox_from_line(m) + b"\n" + head +
                     b"\nContent-Length: %d\n\n" % len(body) + body + b"\n")
    box = tmp_path / "cl2.mbox"
    box.write_bytes(b"".join(parts))
    rc, out, err = site.confer("import", "mbox", "cl2", box, "--format",
                               "mboxcl2")
    assert rc == 0, err
    th = site.threads("cl2")
    assert [t["messages"] for t in th] == [["cl2-1@example.org",
                                            "cl2-2@example.org"]], th
    store = b"".join(p.read_bytes() for p in
                     sorted((site.dir / "store" / "cl2").rglob("*.eml")))
    assert b"\r\nFrom here on it is body\r\n\r\nFrom again\r\n" in store
    # mboxo
    mo = make_message(frm="alice@example.org", subject="mboxo",
                      msgid="<mo-1@example.org>", date=date(2012, 4, 1),
                      body="x\nFrom start\n>>From twice\n")
    box2 = tmp_path / "o.mbox"
    # an mboxo writer quotes "From " lines only, so ">>From" stays as it is
    box2.write_bytes(mbox_from_line(mo) + b"\n" +
                     mo.replace(b"\nFrom start", b"\n>From start") + b"\n")
    rc, out, err = site.confer("import", "mbox", "mo", box2, "--format",
                               "mboxo")
    assert rc == 0, err
    store = b"".join(p.read_bytes() for p in
                     sorted((site.dir / "store" / "mo").rglob("*.eml")))
    assert b"\r\nFrom start\r\n>>From twice\r\n" in store, store[-200:]


def test_home_page_links_only_to_lists_with_pages(site):
    """Every link of the home page leads to a file, also for lists that
    have no message yet (they are named, not linked)."""
    import re as _re
    site.ok("list", "create", "quiet")
    site.add_member("alice@example.org")
    site.post(make_message(frm="alice@example.org"), sender="alice@example.org")
    site.run_once()
    home = (site.archive / "index.html").read_text()
    hrefs = _re.findall(r'href="([^"#:]+)"', home)
    assert "network/index.html" in hrefs
    assert "quiet/index.html" not in hrefs
    for h in hrefs:
        assert (site.archive / h).exists(), h
    assert "quiet" in home


def test_shared_message_ids_get_the_same_permalinks_in_any_order(site):
    """Different messages with one Message-ID: which one gets which
    permalink must not depend on the order of the mbox."""
    import hashlib
    msgs = []
    for i in range(3):
        msgs.append(make_message(frm="a%d@example.org" % i,
                                 subject="same id %d" % i,
                                 msgid="<shared@example.org>",
                                 body="text number %d\n" % i))
    msgs.append(make_message(frm="b@example.org", subject="other",
                             msgid="<other@example.org>"))
    site.ok("list", "create", "fwd")
    site.ok("list", "create", "rev")
    for lst, order in (("fwd", msgs), ("rev", list(reversed(msgs)))):
        box = site.dir / ("%s.mbox" % lst)
        box.write_bytes(mboxrd(order))
        site.ok("import", "mbox", lst, box)

    def pages(lst):
        out = {}
        for p in (site.archive / lst / "msg").glob("*.html"):
            text = p.read_text()
            m = re.search(r"same id \d|other", text)
            out[p.name] = m.group(0) if m else None
        return out
    fwd, rev = pages("fwd"), pages("rev")
    assert len([v for v in fwd.values() if v]) == 4
    assert fwd == rev
