"""Real mail from the shared corpus through receive -> run -> archive.

Which files are mail: every file under the corpus, recursively, except
  - dot files (Maildir markers such as .noindex, .noupdate);
  - README*, COPYING*, LICENSE* (the corpus' own documentation);
  - *.json, *.tsv, *.py, *.md, *.png (expected results, tables, code,
    documentation, images) and *.golden (enmime's expected encoder output);
  - *-summary.txt (mimekit's expected mbox parse summaries).
Everything else is fed to `confer receive` as it is, mbox files included;
a file that is not a message at all must then exit 65 (counted and shown
with -s).

How the whole corpus is run (one site, file transport, one `run --once`):
each From address becomes a member of "network" and of one sub-list of at
most 8 such senders, and a file is posted to its sender's sub-list (files
without a usable From go to the empty list "nofrom"), so that every post
has at most 8 recipients.  Each file gets its own envelope sender
(corpus-NNNN@senders.test), which ties the logged decision to the file.

Run with -s to see the counts of every outcome."""

import collections
import concurrent.futures
import email
import email.policy
import email.utils
import hashlib
import os
import pathlib
import re
import time

import pytest

from archive_html import archive_threads
from conftest import (CORPUS, DOMAIN, SmtpServer, Site,
                      defect_kinds, init_site, msgid_of, parse)
from test_50_archive import mboxrd

DEFAULT = CORPUS / "notmuch" / "test" / "corpora" / "default"
STRICT = [CORPUS / "notmuch" / "test" / "corpora" / "default",
          CORPUS / "public-inbox", CORPUS / "mu"]
SKIP_NAME = re.compile(r"^(readme|copying|license)", re.I)
SKIP_EXT = {".json", ".tsv", ".py", ".md", ".png", ".golden"}
WORKERS = 4
GROUP = 8           # senders per sub-list: each post reaches at most 8

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(),
                                reason="no corpus at %s" % CORPUS)


def is_candidate(p):
    name = p.name
    if name.startswith("."):
        return False
    if SKIP_NAME.match(name):
        return False
    if p.suffix.lower() in SKIP_EXT:
        return False
    if name.lower().endswith("-summary.txt"):
        return False
    return True


def corpus_files(root=CORPUS):
    return sorted(p for p in pathlib.Path(root).rglob("*")
                  if p.is_file() and is_candidate(p))


def from_address(raw):
    """The first addr-spec of the From field, lowercased, or None."""
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    try:
        m = email.message_from_bytes(raw, policy=email.policy.compat32)
        values = [str(v) for v in m.get_all("From") or []]
        for name, addr in email.utils.getaddresses(values):
            if "@" in addr and re.fullmatch(r"[\x21-\x7e]+", addr):
                return addr.lower()
    except Exception:
        return None
    return None


def in_strict(p):
    return any(str(p).startswith(str(s) + os.sep) for s in STRICT)


def pmap(fn, items):
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        return list(ex.map(fn, items))


def read_spool_sender(path):
    with open(path, "rb") as f:
        head = f.read(4096)
    m = re.search(rb"\nsender ([^\n]*)\n", head)
    return m.group(1).decode() if m else None


# --- notmuch's default corpus through the whole path ----------------------

@pytest.fixture(scope="module")
def notmuch(tmp_path_factory):
    files = corpus_files(DEFAULT)
    base = tmp_path_factory.mktemp("notmuch")
    srv = SmtpServer(str(base / "smtp"), port=0)
    srv.start()
    try:
        init_site(base / "site", relay="127.0.0.1:%d" % srv.port)
        site = Site(base / "site", smtpd=srv, outdir=srv.outdir)
        raws = [f.read_bytes() for f in files]
        senders = sorted({a for a in map(from_address, raws) if a})
        for rc, out, err in pmap(lambda a: site.confer(
                "member", "add", "network", a), senders):
            assert rc == 0, err
        results = pmap(lambda i: site.receive(
            raws[i], sender="nm-%03d@senders.test" % i), range(len(raws)))
        for f, (rc, out, err) in zip(files, results):
            assert rc == 0, "receive %s: rc=%d %s" % (f, rc, err)
        rc, dec, err = site.run_once()
        assert rc == 0, err[-3000:]
        # the same corpus as an mboxrd file into a fresh list
        site.ok("list", "create", "mbox")
        box = base / "default.mbox"
        box.write_bytes(mboxrd(raws))
        import_out = site.ok("import", "mbox", "mbox", box)
        yield {"site": site, "files": files, "raws": raws, "dec": dec,
               "senders": senders, "import_out": import_out,
               "run_err": err}
    finally:
        srv.stop()


def test_notmuch_corpus_shape():
    files = corpus_files(DEFAULT)
    assert len(files) == 53, len(files)
    digests = collections.Counter(hashlib.sha256(f.read_bytes()).digest()
                                  for f in files)
    assert sorted(digests.values())[-1] == 2 and len(digests) == 52


def test_notmuch_decisions(notmuch):
    dec = notmuch["dec"]
    assert len(dec) == 53, notmuch["run_err"][-3000:]
    outcomes = collections.Counter(d["outcome"] for d in dec)
    assert outcomes == {"accepted": 52, "duplicate": 1}, outcomes
    site = notmuch["site"]
    assert site.incoming("new") == []
    assert list((site.spool / "bad").iterdir()) == []


def test_notmuch_archive_pages(notmuch):
    site = notmuch["site"]
    threads, lp = archive_threads(site.archive / "network")
    assert lp["count"] == 52 and lp["threads_count"] == 24, (
        lp["count"], lp["threads_count"])
    assert len(threads) == 24
    assert lp["wrong_thread_links"] == [], \
        "message pages whose 'Whole thread' link is another thread: %s" % (
            lp["wrong_thread_links"][:5],)
    ids = [i.strip("<>") for href, t in threads for i in t]
    assert len(ids) == 52 and len(set(ids)) == 52
    expected = {msgid_of(r) for r in notmuch["raws"]}
    assert set(ids) == expected
    # threads --json agrees with the pages, thread by thread, in order
    js = site.threads()
    assert len(js) == 24
    assert [[i.strip("<>") for i in t] for h, t in threads] == [
        t["messages"] for t in js]
    assert [re.search(r"thread/([^/]+)\.html$", h).group(1)
            for h, t in threads] == [t["id"] for t in js]
    assert all(t["count"] == len(t["messages"]) for t in js)
    # newest activity first
    lasts = [t["last"] for t in js]
    assert lasts == sorted(lasts, reverse=True)


def test_notmuch_every_member_gets_each_message_once(notmuch):
    site = notmuch["site"]
    members = set(notmuch["senders"])
    per_msg = collections.defaultdict(collections.Counter)
    originals = {msgid_of(r): r for r in notmuch["raws"]}
    for env, raw in site.deliveries():
        assert env["mail_from"] == "network-bounces@" + DOMAIN
        mid = msgid_of(raw)
        per_msg[mid].update(r.lower() for r in env["rcpt_tos"])
    assert set(per_msg) == set(originals)
    for mid, counts in per_msg.items():
        assert counts == {m: 1 for m in members}, mid


def test_notmuch_copies_add_no_defects(notmuch):
    site = notmuch["site"]
    originals = {msgid_of(r): r for r in notmuch["raws"]}
    seen = set()
    problems = []
    for env, raw in site.deliveries():
        mid = msgid_of(raw)
        if mid in seen:
            continue
        seen.add(mid)
        copy, orig = parse(raw), parse(originals[mid])
        new = defect_kinds(copy) - defect_kinds(orig)
        if new:
            problems.append((mid, sorted(new)))
        assert len(copy.get_all("List-Id")) == 1
        assert str(copy["Subject"]).lower().count("[network]") == 1, \
            copy["Subject"]
        for h in ("From", "Date", "In-Reply-To", "References"):
            if orig[h] is not None:
                assert copy[h] == orig[h], (mid, h)
    assert not problems, problems


def test_notmuch_mbox_import_same_threads(notmuch):
    site = notmuch["site"]
    assert re.search(r"imported 52 messages into mbox \(1 already there",
                     notmuch["import_out"]), notmuch["import_out"]
    a = {frozenset(t["messages"]) for t in site.threads("network")}
    b = {frozenset(t["messages"]) for t in site.threads("mbox")}
    assert len(b) == 24
    assert a == b
    # and the imported list's pages say so too
    threads, lp = archive_threads(site.archive / "mbox")
    assert lp["count"] == 52 and lp["threads_count"] == 24
    assert {frozenset(i.strip("<>") for i in t) for h, t in threads} == a
    assert site.queue_lines()[1] == 0


# --- the whole corpus --------------------------------------------------------

@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    files = corpus_files()
    base = tmp_path_factory.mktemp("corpus")
    init_site(base / "site", transport="file")
    site = Site(base / "site")
    t0 = time.time()
    raws = [f.read_bytes() for f in files]
    sender_of = [from_address(r) for r in raws]
    senders = sorted({s for s in sender_of if s})
    added = pmap(lambda a: site.confer("member", "add", "network", a),
                 senders)
    members_ok = {a for a, (rc, o, e) in zip(senders, added) if rc == 0}
    # sub-lists of GROUP senders each, so that a post has few recipients
    ordered = sorted(members_ok)
    groups = [ordered[i:i + GROUP] for i in range(0, len(ordered), GROUP)]
    list_of = {}
    for gi, g in enumerate(groups):
        for a in g:
            list_of[a] = "c%03d" % gi
    for name in ["nofrom"] + ["c%03d" % gi for gi in range(len(groups))]:
        site.ok("list", "create", name)
    sub_adds = pmap(lambda a: site.confer("member", "add", list_of[a], a),
                    ordered)
    for a, (rc, o, e) in zip(ordered, sub_adds):
        assert rc == 0, "member add %s %s: %s" % (list_of[a], a, e)
    rcpt_of = [list_of.get(s, "nofrom") for s in sender_of]
    env_sender = ["corpus-%04d@senders.test" % i for i in range(len(files))]
    results = pmap(lambda i: site.receive(
        raws[i], "%s@%s" % (rcpt_of[i], DOMAIN), sender=env_sender[i]),
        range(len(files)))
    t_recv = time.time() - t0
    spool_names = site.incoming("new")
    name_of = {}
    for n in spool_names:
        s = read_spool_sender(site.spool / "incoming" / "new" / n)
        name_of[s] = n
    t1 = time.time()
    rc, dec, err = site.run_once(timeout=1800)
    t_run = time.time() - t1
    yield {"site": site, "files": files, "raws": raws, "sender_of": sender_of,
           "members_ok": members_ok, "list_of": list_of, "rcpt_of": rcpt_of,
           "env_sender": env_sender, "results": results,
           "spool_names": spool_names, "name_of": name_of, "run_rc": rc,
           "dec": dec, "run_err": err, "groups": groups,
           "times": (t_recv, t_run)}


def rel(p):
    return str(p.relative_to(CORPUS))


def test_corpus_receive_exit_codes(whole):
    bad = [(rel(f), rc, err.strip()[-300:])
           for f, (rc, o, err) in zip(whole["files"], whole["results"])
           if rc not in (0, 65)]
    not_msg = [rel(f) for f, (rc, o, e) in zip(whole["files"],
                                                 whole["results"]) if rc == 65]
    print("\ncorpus: %d files, %d receive exit 65 (not a message): %s"
          % (len(whole["files"]), len(not_msg), not_msg))
    print("corpus: receive %.1fs, run --once %.1fs" % whole["times"])
    assert not bad, bad
    strict_65 = [f for f in not_msg if in_strict(CORPUS / f)]
    assert not strict_65, strict_65


def test_corpus_nothing_vanishes(whole):
    site = whole["site"]
    accepted_files = [i for i, (rc, o, e) in enumerate(whole["results"])
                      if rc == 0]
    assert len(whole["spool_names"]) == len(accepted_files), \
        "%d spool files for %d successful receives" % (
            len(whole["spool_names"]), len(accepted_files))
    assert whole["run_rc"] == 0, whole["run_err"][-3000:]
    assert site.incoming("new") == [], "run --once left mail in the spool"
    assert site.incoming("tmp") == []
    by_sender = collections.defaultdict(list)
    for d in whole["dec"]:
        by_sender[d["sender"]].append(d)
    counts = collections.Counter()
    problems = []
    bad_dir = site.spool / "bad"
    for i in accepted_files:
        f = rel(whole["files"][i])
        ds = by_sender.get(whole["env_sender"][i], [])
        if len(ds) != 1:
            name = whole["name_of"].get(whole["env_sender"][i])
            if (name and (bad_dir / name).exists() and
                    (bad_dir / (name + ".reason")).exists()):
                counts["quarantined (unreadable)"] += 1
                continue
            problems.append((f, "%d decisions" % len(ds)))
            continue
        d = ds[0]
        counts[d["outcome"]] += 1
        if not d["reason"]:
            problems.append((f, "no reason: %r" % d))
        if d["outcome"] == "accepted":
            page = (site.archive / whole["rcpt_of"][i] / "msg" /
                    (d["reason"].split()[-1] + ".html"))
            if not page.exists():
                problems.append((f, "accepted but no page %s" % page))
        elif d["outcome"] == "quarantined":
            name = d.get("name") or whole["name_of"].get(whole["env_sender"][i])
            if not (name and (bad_dir / name).exists() and
                    (bad_dir / (name + ".reason")).read_text().strip()):
                problems.append((f, "quarantined without spool/bad/%s(.reason)"
                                 % name))
        elif d["outcome"] not in ("refused", "held", "duplicate", "loop",
                                  "discarded"):
            problems.append((f, "unexpected outcome %r" % d))
    print("\ncorpus outcomes: %s" % dict(counts))
    not_members = sorted(set(whole["sender_of"]) - whole["members_ok"] -
                         {None})
    print("corpus: From addresses `member add` refused: %s" % not_members)
    for i, f in enumerate(whole["files"]):
        for d in by_sender.get(whole["env_sender"][i], []):
            if d["outcome"] in ("refused", "held", "loop"):
                print("corpus: %s %s: %s" % (d["outcome"], rel(f),
                                             d["reason"]))
    assert not problems, problems


def outbox_index(whole):
    """{(list, permalink): {delivered-to address: outbox file}}."""
    if "outbox" not in whole:
        delivered = collections.defaultdict(dict)
        for f in whole["site"].outbox.glob("*.eml"):
            with open(f, "rb") as fh:
                head = fh.read().split(b"\r\n\r\n", 1)[0]
            to = re.search(rb"^Delivered-To: (.*)$", head, re.M)
            arch = re.search(rb"^Archived-At:\s*<[^>]*/([^/>]+)/msg/"
                             rb"([a-z2-7]+)\.html>", head, re.M | re.I)
            if to and arch:
                key = (arch.group(1).decode(), arch.group(2).decode())
                delivered[key][to.group(1).decode().strip().lower()] = f
        whole["outbox"] = delivered
    return whole["outbox"]


def test_corpus_accepted_are_delivered(whole):
    delivered = outbox_index(whole)
    members = {}
    for gi, g in enumerate(whole["groups"]):
        members["c%03d" % gi] = set(g)
    by_sender = {d["sender"]: d for d in whole["dec"]}
    problems = []
    for i, f in enumerate(whole["files"]):
        d = by_sender.get(whole["env_sender"][i])
        if not d or d["outcome"] != "accepted":
            continue
        want = members.get(whole["rcpt_of"][i], set())
        got = set(delivered.get((whole["rcpt_of"][i], d["reason"].split()[-1]), {}))
        if got != want:
            problems.append((rel(f), sorted(want - got), sorted(got - want)))
    assert not problems, problems[:20]


def test_corpus_strict_sets_all_delivered(whole):
    """notmuch's default corpus, public-inbox and mu are real mail: every
    message is accepted (or is a byte-identical or same-id duplicate of one
    that was), none quarantined or refused -- except a message whose From
    field holds no address at all (mu's multirecip has "From: " empty),
    which the policy sends to spool/bad: that one must be quarantined."""
    by_sender = {d["sender"]: d for d in whole["dec"]}
    problems = []
    strict = [i for i, f in enumerate(whole["files"]) if in_strict(f)]
    assert len(strict) >= 53 + 30 + 40
    for i in strict:
        f = whole["files"][i]
        rc = whole["results"][i][0]
        d = by_sender.get(whole["env_sender"][i])
        if rc != 0:
            problems.append((rel(f), "receive rc=%d" % rc))
        elif whole["sender_of"][i] is None:
            if not d or d["outcome"] != "quarantined":
                problems.append((rel(f), "no From address, not quarantined",
                                 d))
        elif whole["sender_of"][i] not in whole["members_ok"]:
            problems.append((rel(f), "From %r could not be made a member"
                             % whole["sender_of"][i]))
        elif not d:
            problems.append((rel(f), "no decision"))
        elif d["outcome"] not in ("accepted", "duplicate"):
            problems.append((rel(f), d["outcome"], d["reason"]))
    assert not problems, problems


def test_corpus_archive_pages_parse(whole):
    site = whole["site"]
    total = 0
    for lst in sorted({r for r in whole["rcpt_of"]}):
        ldir = site.archive / lst
        if not (ldir / "index.html").exists():
            continue
        threads, lp = archive_threads(ldir)
        js = site.threads(lst)
        assert lp["threads_count"] == len(js) == len(threads), lst
        assert sum(len(t) for h, t in threads) == lp["count"], lst
        assert lp["wrong_thread_links"] == [], (lst, lp["wrong_thread_links"])
        total += lp["count"]
    accepted = sum(1 for d in whole["dec"] if d["outcome"] == "accepted")
    assert total == accepted


def test_corpus_copies_add_no_defects(whole):
    """Each accepted message's delivered copy, parsed by Python's email
    package, has no kind of defect that the original did not have."""
    delivered = outbox_index(whole)
    by_sender = {d["sender"]: d for d in whole["dec"]}
    problems = []
    checked = 0
    for i, f in enumerate(whole["files"]):
        d = by_sender.get(whole["env_sender"][i])
        if not d or d["outcome"] != "accepted":
            continue
        copies = delivered.get((whole["rcpt_of"][i], d["reason"].split()[-1]))
        if not copies:
            continue        # reported by test_corpus_accepted_are_delivered
        raw = next(iter(copies.values())).read_bytes()
        raw = raw.split(b"\r\n", 2)[2]    # Return-Path, Delivered-To
        orig = whole["raws"][i]
        if orig.startswith(b"From "):
            orig = orig.split(b"\n", 1)[1]
        try:
            before = defect_kinds(parse(orig))
        except Exception:
            continue        # Python's parser cannot read the original
        try:
            after = defect_kinds(parse(raw))
        except Exception as e:
            after = {"parser crash: %r" % e}
        new = after - before
        checked += 1
        if new:
            problems.append((rel(f), sorted(new)))
    print("\ncorpus: %d delivered copies parsed, %d with new defects"
          % (checked, len(problems)))
    assert checked > 300
    assert not problems, problems
