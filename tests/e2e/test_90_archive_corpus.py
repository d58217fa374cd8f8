"""The archive and real mail (issue 4): every message of every corpus set
imported with `import mbox` lands on exactly one message page reachable
from its list page; charsets and format=flowed render as text; a late
change of a thread's subject reaches every day page listing it."""

import calendar
import email
import email.policy
import html
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import time

import pytest

from archive_html import day_pages, list_page, parse_page
from conftest import (CONFER_BIN, CORPUS, DOMAIN, init_site, make_message,
                      Site)
from test_50_archive import mboxrd
from test_60_corpus import corpus_files
from test_90_archive_pages import (date, import_all, new_site, mbox_text,
                                   tree_snapshot)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(),
                                reason="no corpus at %s" % CORPUS)


def corpus_site(tmp_path):
    d = tmp_path / "site"
    init_site(d, transport="file")
    return Site(d)


def listed_messages(ldir):
    """Permalink -> times listed, over the day pages of every month the
    list page links to."""
    seen = {}
    for month in list_page(ldir / "index.html")["months"]:
        for dp in day_pages(ldir / month):
            ol = parse_page(dp).find("ol", "messages")
            for a in (ol.find_all("a") if ol is not None else []):
                m = re.fullmatch(r"\.\./msg/([a-z2-7]{16})\.html",
                                 a.attrs.get("href") or "")
                if m:
                    seen[m.group(1)] = seen.get(m.group(1), 0) + 1
    return seen


def test_every_corpus_message_on_one_page(tmp_path):
    site = corpus_site(tmp_path)
    sets = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    assert sets
    for s in sets:
        name = re.sub(r"[^a-z0-9]+", "-", s.name.lower()).strip("-")
        site.ok("list", "create", name)
        files = corpus_files(s)
        mbox = tmp_path / (name + ".mbox")
        mbox.write_bytes(mboxrd([f.read_bytes() for f in files]))
        out = site.ok("import", "mbox", name, str(mbox))
        m = re.search(r"imported (\d+) messages into \S+ \((\d+) already "
                      r"there, (\d+) quarantined\)", out)
        assert m, out
        imported, dup, bad = map(int, m.groups())
        assert imported + dup + bad == len(files), (s, out)
        db = sqlite3.connect(str(site.dir / "confer.db"))
        perma = {r[0] for r in db.execute(
            "SELECT permalink FROM messages m JOIN lists l ON l.id = "
            "m.list_id WHERE l.name = ?", (name,))}
        db.close()
        assert len(perma) == imported, s
        ldir = site.archive / name
        listed = listed_messages(ldir)
        assert set(listed) == perma, (s, perma ^ set(listed))
        assert all(n == 1 for n in listed.values()), s
        for p in perma:
            assert (ldir / "msg" / (p + ".html")).is_file(), (s, p)


CHARSET_FILES = [
    "public-inbox/t/iso-2202-jp.eml",
    "mimekit/UnitTests/TestData/messages/japanese.txt",
    "mail-parser/tests/mails/mail_test_9",
    "mail-parser/tests/mails/mail_test_12",
    "flufl.bounce/data/sina_01.txt",
    "flufl.bounce/data/newmailru_01.txt",
    "cpython-test_email/data/msg_09.txt",
    "cpython-test_email/data/msg_12.txt",
    "mail-parser/tests/mails/mail_test_5",
    "flufl.bounce/data/simple_43.txt",
    "stalwart-mail-parser/resources/eml/thirdparty/015.eml",
    "stalwart-mail-parser/resources/eml/legacy/012.eml",
    "stalwart-mail-parser/resources/eml/thirdparty/019.eml",
    "enmime/testdata/mail/non-mime-missing-charset.raw",
]
FAMILIES = {"iso-2022-jp": "iso-2022-jp", "gb2312": "gb2312",
            "koi8-r": "koi8-r", "shift_jis": "shift_jis",
            "windows-125": "windows-125x"}


def sample_line(raw):
    """(charset family, a decoded line with non-ASCII characters) of
    the first text/plain part in one of the charsets, or None."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() != "text/plain":
            continue
        cs = (part.get_content_charset() or "").lower()
        fam = [v for k, v in FAMILIES.items() if cs.startswith(k)]
        if not fam:
            continue
        try:
            text = part.get_payload(decode=True).decode(cs)
        except (LookupError, UnicodeDecodeError, AttributeError):
            continue
        for line in text.splitlines():
            line = " ".join(line.split())
            if (any(ord(c) > 127 for c in line) and
                    not line.startswith(">") and len(line) < 200):
                return fam[0], line
    return None


def page_text(path):
    txt = re.sub(r"<[^>]*>", " ", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(txt).split())


def test_charsets_render_as_utf8(tmp_path):
    site = corpus_site(tmp_path)
    site.ok("list", "create", "cs")
    done = set()
    for rel in CHARSET_FILES:
        f = CORPUS / rel
        if not f.is_file():
            continue
        raw = f.read_bytes()
        sample = sample_line(raw)
        if not sample:
            continue
        mbox = tmp_path / "one.mbox"
        mbox.write_bytes(mboxrd([raw]))
        site.ok("import", "mbox", "cs", str(mbox))
        db = sqlite3.connect(str(site.dir / "confer.db"))
        perma = db.execute("SELECT permalink FROM messages ORDER BY id DESC"
                           " LIMIT 1").fetchone()[0]
        db.close()
        text = page_text(site.archive / "cs" / "msg" / (perma + ".html"))
        assert sample[1] in text, (rel, sample[1])
        done.add(sample[0])
    # the corpus has no Shift_JIS text part: one is made here
    jp = "日本語のメールです。文字化けしません。"
    raw = (b"From: Taro <taro@example.jp>\nTo: cs@" + DOMAIN.encode() +
           b"\nSubject: sjis\nMessage-ID: <sjis@example.jp>\n"
           b"Date: Mon, 1 Jan 2024 00:00:00 +0900\nMIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=Shift_JIS\n"
           b"Content-Transfer-Encoding: 8bit\n\n" +
           jp.encode("shift_jis") + b"\n")
    assert sample_line(raw) == ("shift_jis", jp)
    mbox = tmp_path / "sjis.mbox"
    mbox.write_bytes(mboxrd([raw]))
    site.ok("import", "mbox", "cs", str(mbox))
    pages = list((site.archive / "cs" / "msg").glob("*.html"))
    assert any(jp in page_text(p) for p in pages)
    done.add("shift_jis")
    assert done == set(FAMILIES.values()), done


def test_format_flowed(tmp_path):
    site = corpus_site(tmp_path)
    site.ok("list", "create", "ff")
    msg = make_message(frm="alice@example.org", subject="Flowed",
                       msgid="<ff@example.org>",
                       body="This paragraph was sent \nas flowed lines "
                            "\nthat belong together.\n"
                            "Fixed line one\nFixed line two\n")
    msg = msg.replace(b"Content-Type: text/plain; charset=utf-8",
                      b"Content-Type: text/plain; charset=utf-8; "
                      b"format=flowed")
    assert b"format=flowed" in msg
    mbox = tmp_path / "ff.mbox"
    mbox.write_bytes(mboxrd([msg]))
    site.ok("import", "mbox", "ff", str(mbox))
    page = next((site.archive / "ff" / "msg").glob("*.html")).read_text()
    assert ("This paragraph was sent as flowed lines that belong "
            "together.") in page
    assert re.search(r"Fixed line one\s*(<br>)?\n\s*Fixed line two", page) \
        or "Fixed line one\nFixed line two" in page


def test_late_subject_change_reaches_day_pages(tmp_path):
    """A reply arrives in January; its root (with another subject) in
    March: the January day page lists the thread under the root's
    subject, as a rebuild would."""
    jan = calendar.timegm((2024, 1, 10, 12, 0, 0))
    mar = calendar.timegm((2024, 3, 5, 12, 0, 0))
    reply = make_message(frm="bob@example.org", subject="Re: Plans",
                         msgid="<late-r@example.org>",
                         date=date(2024, 1, 10),
                         headers=[("In-Reply-To",
                                   "<late-root@example.org>")])
    root = make_message(frm="alice@example.org", subject="Plans for 2024",
                        msgid="<late-root@example.org>",
                        date=date(2024, 1, 2))
    a = new_site(tmp_path, "a")
    for k, (when, raw) in enumerate([(jan, reply), (mar, root)]):
        mb = tmp_path / ("late-%d.mbox" % k)
        mb.write_bytes(mbox_text([(when, raw)]))
        a.ok("import", "mbox", "network", str(mb))
    day = (a.archive / "network" / "2024-01" / "10.html").read_text()
    assert "Plans for 2024" in day
    snap = tree_snapshot(a.archive)
    a.ok("archive", "network")
    assert tree_snapshot(a.archive) == snap


def test_same_subject_threads_related_not_merged(tmp_path):
    """Two threads that only share a subject stay two threads; each thread
    page lists the other as possibly related, after updates as after a
    rebuild."""
    base = calendar.timegm((2024, 5, 1, 12, 0, 0))
    msgs = []
    for k, (mid, subject) in enumerate([("w1", "Weekly sync"),
                                        ("w2", "Re: Weekly sync"),
                                        ("o1", "Something else")]):
        msgs.append((base + k * 86400, make_message(
            frm="u%d@example.org" % k, subject=subject,
            msgid="<%s@example.org>" % mid, date=date(2024, 5, 1 + k))))
    a = new_site(tmp_path, "a")
    import_all(a, msgs, tmp_path, one_by_one=True, tag="rel")
    threads = sorted((a.archive / "network" / "thread").glob("*.html"))
    assert len(threads) == 3
    rel = {}
    for t in threads:
        nav = parse_page(t).find("nav", "related")
        rel[t.name] = [x.attrs["href"] for x in
                       (nav.find_all("a") if nav is not None else [])]
    linked = [k for k, v in rel.items() if v]
    assert len(linked) == 2
    assert rel[linked[0]] == [linked[1]] and rel[linked[1]] == [linked[0]]
    snap = tree_snapshot(a.archive)
    a.ok("archive", "network")
    assert tree_snapshot(a.archive) == snap


def test_two_process_import_records_what_one_process_does(tmp_path):
    """A big mbox is imported by a reader and a writer process; the rows,
    the store and the pages are those of a one-process import, with
    duplicates, Message-IDs shared by different messages, an entry that is
    not mail, and a file a crash left where a message belongs."""
    raws = [f.read_bytes() for f in corpus_files()]
    raws += raws[:20]                      # duplicates
    for k in range(10):                    # same id, other content
        raws.append(raws[k] + b"\nedited %d\n" % k)
    raws.insert(5, b"this is not a mail message\n")
    # one Message-ID in one month, then another content with it twice in
    # another month (the first of those gets the content's permalink, the
    # second is its duplicate)
    for when, body in (("Mon, 1 Mar 2010 10:00:00 +0000", b"zero"),
                       ("Thu, 1 Apr 2010 10:00:00 +0000", b"one"),
                       ("Thu, 1 Apr 2010 10:00:00 +0000", b"one")):
        raws.append(make_message(subject="shared", msgid="<shared@x.org>",
                                 date=when, body=body.decode()))
    mbox = tmp_path / "big.mbox"
    mbox.write_bytes(mboxrd(raws))
    # the two-process path only runs for an mbox of 1 MiB or more
    assert mbox.stat().st_size >= 1 << 20

    def imported(name, workers, prepare=None):
        s = new_site(tmp_path, name)
        s.set_setting("archive_workers", str(workers))
        if prepare:
            prepare(s)
        out = s.ok("import", "mbox", "network", str(mbox))
        db = sqlite3.connect(s.dir / "confer.db")
        rows = db.execute(
            "SELECT id, permalink, message_id, id_generated, content_hash,"
            " received, date, from_name, from_addr, subject, in_reply_to,"
            " refs, size, path, thread_id FROM messages ORDER BY id"
        ).fetchall()
        db.close()
        return s, out, rows

    one, out1, rows1 = imported("one", 1)
    two, out2, rows2 = imported("two", 2)
    m = re.search(r"imported (\d+) messages into \S+ \((\d+) already "
                  r"there, (\d+) quarantined\)", out1)
    assert m and int(m.group(2)) >= 20 and int(m.group(3)) >= 1, out1
    assert out2 == out1
    assert rows2 == rows1
    assert tree_snapshot(two.dir / "store") == tree_snapshot(one.dir / "store")
    assert tree_snapshot(two.archive) == tree_snapshot(one.archive)
    assert len(list((two.dir / "spool" / "bad").glob("import-*"))) == \
        2 * int(m.group(3))
    # the edited copies got permalinks of their own
    assert len({r[2] for r in rows1}) < len(rows1)

    # a crash left a half-written file where a message's original goes
    victim = rows1[len(rows1) // 2][13]

    def leftover(s):
        p = s.dir / "store" / victim
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"half a mess")

    three, out3, rows3 = imported("three", 2, leftover)
    assert out3 == out1 and rows3 == rows1
    assert tree_snapshot(three.dir / "store") == \
        tree_snapshot(one.dir / "store")

    # an original that cannot be written (a file where its month's folder
    # goes; permissions would not stop root): the import fails, names the
    # file, records no message without its original, and once the way is
    # clear the same import gives what a clean one gives
    four = new_site(tmp_path, "four")
    four.set_setting("archive_workers", "2")
    block = four.dir / "store" / pathlib.PurePath(victim).parent
    block.parent.mkdir(parents=True, exist_ok=True)
    block.write_bytes(b"in the way")
    r = subprocess.run([CONFER_BIN, "-c", str(four.conf), "import", "mbox",
                        "network", str(mbox)], capture_output=True)
    assert r.returncode != 0
    assert b'store: cannot write "%s' % bytes(block) in r.stderr, r.stderr
    db = sqlite3.connect(four.dir / "confer.db")
    paths = [p for (p,) in db.execute("SELECT path FROM messages")]
    db.close()
    assert all((four.dir / "store" / p).is_file() for p in paths)
    m = re.search(rb"imported (\d+) messages", r.stdout)
    assert (int(m.group(1)) if m else 0) == len(paths), r.stdout
    block.unlink()
    out4 = four.ok("import", "mbox", "network", str(mbox))
    db = sqlite3.connect(four.dir / "confer.db")
    rows4 = db.execute(
        "SELECT id, permalink, message_id, id_generated, content_hash,"
        " received, date, from_name, from_addr, subject, in_reply_to,"
        " refs, size, path, thread_id FROM messages ORDER BY id").fetchall()
    db.close()
    if not paths:
        assert out4 == out1 and rows4 == rows1
    assert tree_snapshot(four.dir / "store") == \
        tree_snapshot(one.dir / "store")


def helpers_of(pid):
    """The child processes of pid."""
    kids = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                kids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return kids


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_killed_import_leaves_no_helper_and_can_be_run_again(tmp_path):
    """SIGKILL of an import while its build's workers render: they die
    with it, and the same import run again gives what one clean import
    gives."""
    raws = [f.read_bytes() for f in corpus_files()]
    # four times the corpus, each copy with ids of its own
    many = []
    for k in range(4):
        for r in raws:
            many.append(re.sub(rb"(?im)^(message-id:\s*<)", rb"\g<1>c%d." % k,
                               r, count=1))
    mbox = tmp_path / "big.mbox"
    mbox.write_bytes(mboxrd(many))
    clean = new_site(tmp_path, "clean")
    clean.ok("import", "mbox", "network", str(mbox))

    # the reader killed: the import fails, says so, and counts only what
    # it recorded
    site = new_site(tmp_path, "reader")
    site.set_setting("archive_workers", "2")
    p = subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "import", "mbox",
                          "network", str(mbox)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    kids, t0 = [], time.monotonic()
    while not kids and p.poll() is None and time.monotonic() - t0 < 60:
        kids = helpers_of(p.pid)
    assert kids, "the import ended before its reader was seen"
    # some messages recorded, none committed yet (a transaction holds
    # 2,000): the originals written so far show how far it got
    while p.poll() is None and \
            len(list((site.dir / "store").rglob("*.eml"))) < 100:
        time.sleep(0.001)
    os.kill(kids[0], 9)
    out, err = p.communicate()
    assert p.returncode == 75, (out, err)
    assert b"the reader stopped unexpectedly" in err
    db = sqlite3.connect(site.dir / "confer.db")
    n = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    db.close()
    m = re.search(rb"imported (\d+) messages", out)
    assert (int(m.group(1)) if m else 0) == n, (out, n)

    site = new_site(tmp_path, "killed")
    site.set_setting("archive_workers", "2")
    p = subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "import", "mbox",
                          "network", str(mbox)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    # the reader first, then the render workers of the build that follows
    seen, kids, t0 = set(), [], time.monotonic()
    while not kids and p.poll() is None and time.monotonic() - t0 < 60:
        now = helpers_of(p.pid)
        kids = [k for k in now if seen and k not in seen]
        seen.update(now)
        time.sleep(0.001)
    assert seen and kids, "the import ended before its workers were seen"
    p.kill()
    p.wait()
    t0 = time.monotonic()
    while any(alive(k) for k in kids) and time.monotonic() - t0 < 5:
        time.sleep(0.01)
    assert not any(alive(k) for k in kids), "a helper outlived the import"
    site.ok("import", "mbox", "network", str(mbox))

    def rows(s):
        db = sqlite3.connect(s.dir / "confer.db")
        r = db.execute("SELECT permalink, message_id, content_hash, path "
                       "FROM messages ORDER BY permalink").fetchall()
        db.close()
        return r

    assert rows(site) == rows(clean)
    assert sorted(p.relative_to(site.dir / "store")
                  for p in (site.dir / "store").rglob("*.eml")) == \
        sorted(p.relative_to(clean.dir / "store")
               for p in (clean.dir / "store").rglob("*.eml"))
    assert tree_snapshot(site.archive) == tree_snapshot(clean.archive)

    # a rebuild killed half-way, from a fresh start: the runner's next
    # pass finds the archive unfinished and builds it again
    shutil.rmtree(site.archive / "network")
    p = subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "archive",
                          "network"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not helpers_of(p.pid) and p.poll() is None and \
            time.monotonic() - t0 < 60:
        time.sleep(0.001)
    p.kill()
    p.wait()
    assert (site.archive / "network" / ".incomplete").exists()
    site.ok("run", "--once")
    assert not (site.archive / "network" / ".incomplete").exists()
    assert tree_snapshot(site.archive) == tree_snapshot(clean.archive)


def test_impossible_from_line_dates_file_under_import_time(tmp_path):
    """An mbox From line dated before 1970, after 9999, after the import
    or on a day its month does not have cannot be when the list received
    the message: it is filed under the time of the import,
    the archive is built whole, and the Date: field (shown) may still be
    old."""
    site = new_site(tmp_path, "dates")
    lines = ["Mon Jan  1 00:00:00 10000", "Tue Jan  1 00:00:00 1901",
             "Wed Dec 31 23:59:59 1969", "Mon Jan  1 00:00:00 -001",
             "Tue Jan  1 00:00:00 2999", "Fri Feb 30 10:00:00 2024",
             "Sun May 17 12:00:01 2026"]
    data = b""
    for k, when in enumerate(lines):
        msg = make_message(subject="odd date %d" % k,
                           msgid="<odd%d@example.org>" % k,
                           date="Tue, 1 Jan 1901 10:00:00 +0000"
                           if k == 1 else None)
        data += b"From x " + when.encode() + b"\n" + msg + b"\n"
    mbox = tmp_path / "odd.mbox"
    mbox.write_bytes(data)
    now = calendar.timegm((2026, 5, 17, 12, 0, 0))
    site.ok("import", "mbox", "network", str(mbox),
            env={"CONFER_NOW": str(now)})
    ldir = site.archive / "network"
    assert not (ldir / ".incomplete").exists()
    assert list_page(ldir / "index.html")["months"] == ["2026-05.html"]
    seen = listed_messages(ldir)
    assert len(seen) == 7 and set(seen.values()) == {1}
    db = sqlite3.connect(site.dir / "confer.db")
    assert {r for (r,) in db.execute("SELECT received FROM messages")} == \
        {now}
    db.close()
    # the Date: field of 1901 is what the page shows
    pages = [parse_page(ldir / "msg" / ("%s.html" % p)) for p in seen]
    shown = [t.attrs.get("datetime") for pg in pages
             for t in pg.find_all("time")]
    assert "1901-01-01T10:00:00Z" in shown, shown
    # a later build of the list works
    site.ok("archive", "network")
