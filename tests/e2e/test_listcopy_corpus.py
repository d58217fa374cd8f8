"""The list copy (src/delivery/listcopy.c) checked with an independent
parser, Python's email package, on every mail file of the shared corpus.

A file is mail when its first line, after an optional mbox "From " line,
is an RFC 5322 header field (a name of printable ASCII without ':', then
':'); README, LICENSE and COPYING files and .json, .tsv, .md files are
skipped by name whatever they hold.  Each message goes through
build/tools/listcopy-dump (brought up to date with make) with a subject
tag and a footer, once with a footer that Latin-1 can hold and once with a
Chinese one, and the copy must:
  - have no parser defect the original did not have (defect kinds of every
    part and header, counted);
  - carry our List-Id exactly once;
  - have a Subject that decodes to the tag plus the original decoded
    subject, in the canonical form of src/delivery/subject.c, and that
    tagging once more leaves byte for byte as it is;
  - keep every header field it does not own byte for byte, in order;
  - keep the body byte for byte when no footer was added, and every leaf
    part other than the footer's when one was (a part that received the
    footer keeps its decoded text as a prefix);
  - show the footer in its decoded text when a footer was added, and add
    one to every well-formed message that is not signed or encrypted.
Run: /usr/bin/python3 -m pytest -q tests/e2e/test_listcopy_corpus.py
(-s prints the counts)."""

import codecs
import collections
import email.parser
import email.policy
import functools
import pathlib
import re
import subprocess
import tempfile

import pytest

from conftest import CORPUS

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOL = ROOT / "build" / "tools" / "listcopy-dump"
TAG = "[corpus]"
LIST_ID = "Corpus test list <corpus.example.org>"
FOOTERS = {
    "latin1": "-- \nconfer footer: caf\u00e9, <http://example.org/corpus>\n",
    "cjk": "-- \nconfer footer: \u90ae\u4ef6\u5217\u8868 <http://example.org/corpus>\n",
}
OWNED = {"list-id", "list-help", "list-post", "list-unsubscribe",
         "archived-at", "precedence", "subject",
         "return-path"}  # the final MTA adds its own
UNTOUCHABLE = {"multipart/signed", "multipart/encrypted",
               "application/pkcs7-mime", "application/x-pkcs7-mime"}
SKIP_NAMES = re.compile(r"^(README|LICENSE|COPYING)|\.(json|tsv|md)$", re.I)
FIELD = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
HEADER_LINE = re.compile(rb"^(From |[\x21-\x39\x3b-\x7e]*:|[\t ])")
REPLY = re.compile(r"(re|aw|sv|antw)(\[\d+\]|\(\d+\))? *:", re.I)
POLICY = email.policy.default


def normalise(data):
    """What listcopy-dump does, as intake: no mbox From_ line, CRLF line
    ends, a line end at the end."""
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    return data + b"\r\n" if data and not data.endswith(b"\n") else data


def is_mail(path):
    if SKIP_NAMES.search(path.name):
        return False
    with open(path, "rb") as f:
        head = normalise(f.read(4096))
    return bool(FIELD.match(head))


def corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and is_mail(p))


FILES = corpus_files()


@pytest.fixture(scope="session", autouse=True)
def tool():
    """Builds the tool when missing or older than the sources (make)."""
    subprocess.run(["make", "-s", "build/tools/listcopy-dump"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return TOOL


@functools.lru_cache(maxsize=None)
def run(path, footer_key):
    p = subprocess.run([str(TOOL), "--tag", TAG, "--footer",
                        FOOTERS[footer_key], str(path)],
                       capture_output=True, timeout=60)
    m = re.search(rb"footer=(-?\d)", p.stderr)
    return p.returncode, p.stdout, int(m.group(1)) if m else None, p.stderr


def split_raw(msg):
    """Header fields (raw, with folding) and body, split where Python's
    feedparser splits them: at the first line that is not a header field,
    a continuation or a From_ line (an empty line there is dropped)."""
    lines = msg.splitlines(keepends=True)
    fields, i = [], 0
    while i < len(lines) and HEADER_LINE.match(lines[i]):
        if lines[i][:1] in (b" ", b"\t") and fields:
            fields[-1] += lines[i]
        else:
            fields.append(lines[i])
        i += 1
    if i < len(lines) and lines[i] in (b"\r\n", b"\n"):
        i += 1
    return fields, b"".join(lines[i:])


def field_name(raw):
    return raw.split(b":", 1)[0].strip().lower().decode("latin-1")


def subjects(fields):
    return [f for f in fields if field_name(f) == "subject"]


def retag(copy):
    """The copy through the tool once more, tag only."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(copy)
        f.flush()
        return subprocess.run([str(TOOL), "--tag", TAG, f.name],
                              capture_output=True, timeout=60).stdout


def is_insertion(orig, copy):
    """Is copy orig with one run of bytes inserted somewhere?"""
    if len(copy) < len(orig):
        return False
    p = 0
    while p < len(orig) and orig[p] == copy[p]:
        p += 1
    return orig[p:] == copy[len(copy) - (len(orig) - p):]


def defects(msg):
    kinds = collections.Counter()
    for part in msg.walk():
        kinds.update(type(d).__name__ for d in part.defects)
        for name in part.keys():
            try:
                for value in part.get_all(name):
                    kinds.update("header:" + type(d).__name__
                                 for d in getattr(value, "defects", ()))
            except Exception as e:  # the parser gave up on this field
                kinds["header-exception:" + type(e).__name__] += 1
    return kinds


def canon_subject(text):
    """src/delivery/subject.c's canonical form, on decoded text."""
    reply, i, low, tag = False, 0, text.lower(), TAG.lower()
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        m = REPLY.match(text, i)
        if low.startswith(tag, i):
            i += len(tag)
        elif m:
            reply, i = True, m.end()
        else:
            break
    words = re.split(r"(\s+)", text[i:])
    rest, skip_ws = "", False
    for w in words:
        if w.lower() == tag:
            skip_ws = True
            if not any(x.strip() for x in words[words.index(w) + 1:]):
                rest = rest.rstrip(" \t\r\n")
            continue
        if skip_ws and not w.strip():
            skip_ws = False
            continue
        skip_ws = False
        rest += w
    return ("Re: " if reply else "") + TAG + (" " + rest if rest else "")


def leaves(msg):
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = part.get_payload()
        out.append((part.get_content_type(), payload))
    return out


def text_of(part):
    try:
        return part.get_content().replace("\r\n", "\n")
    except Exception:
        return None


def python_knows(charset):
    try:
        codecs.lookup(charset)
        return True
    except LookupError:
        return False


def classify(orig, copy, added):
    if not added:
        return "unchanged"
    if orig.get_content_type() == "multipart/mixed":
        return "mixed"
    if copy.get_content_type() == "multipart/mixed":
        return "wrap"
    return "text"


@functools.lru_cache(maxsize=None)
def check(path, footer_key):
    """Returns (kind, problems) for one file."""
    footer = FOOTERS[footer_key]
    rc, out, added, err = run(path, footer_key)
    if rc != 0:
        return "error", ["exit %d: %s" % (rc, err.decode(errors="replace"))]
    with open(path, "rb") as f:
        raw = normalise(f.read())
    orig = email.parser.BytesParser(policy=POLICY).parsebytes(raw)
    copy = email.parser.BytesParser(policy=POLICY).parsebytes(out)
    problems = []
    kind = classify(orig, copy, added == 1)

    new = defects(copy) - defects(orig)
    if new:
        problems.append("new defects: %s" % dict(new))

    ids = copy.get_all("List-Id") or []
    if len(ids) != 1 or str(ids[0]) != LIST_ID:
        problems.append("List-Id: %r" % ids)

    try:
        want = canon_subject(str(orig["subject"] or ""))
        got = str(copy["subject"])
        if got != want:
            problems.append("subject %r, expected %r" % (got, want))
    except Exception as e:
        problems.append("subject unreadable: %r" % e)

    ofields, obody = split_raw(raw)
    cfields, cbody = split_raw(out)
    if subjects(cfields) != subjects(split_raw(retag(out))[0]):
        problems.append("tagging the copy again changes its Subject")
    keep = lambda fs: [f for f in fs if field_name(f) not in OWNED and
                       not field_name(f).startswith("content-") and
                       field_name(f) != "mime-version"]
    if keep(ofields) != keep(cfields):
        problems.append("header fields not kept byte for byte")

    ctype = orig.get_content_type()
    if kind == "unchanged":
        if cbody != obody:
            problems.append("body changed without a footer")
        content = lambda fs: [f for f in fs if field_name(f).startswith("content-")]
        if content(ofields) != content(cfields):
            problems.append("Content-* fields changed without a footer")
        if not defects(orig) and ctype not in UNTOUCHABLE and \
                orig.get("content-transfer-encoding", "7bit").lower() in \
                ("7bit", "8bit", "binary", "quoted-printable", "base64") and \
                not ctype.startswith("message/"):
            problems.append("no footer on a well-formed %s message" % ctype)
        return kind, problems

    if ctype in UNTOUCHABLE:
        problems.append("footer added to %s" % ctype)
    if kind in ("mixed", "wrap"):
        ol, cl = leaves(orig), leaves(copy)
        if cl[:-1] != ol:
            problems.append("leaf parts differ")
        if kind == "mixed" and not is_insertion(obody, cbody) or \
                kind == "wrap" and obody not in cbody:
            problems.append("original body not kept byte for byte")
        last = [p for p in copy.walk() if not p.is_multipart()][-1]
        if text_of(last) != footer:
            problems.append("footer part text %r" % text_of(last))
    elif not python_knows(copy.get_content_charset("us-ascii")):
        pass  # e.g. ansi_x3.110-1983: iconv has it, Python cannot check
    else:
        ot, ct = text_of(orig), text_of(copy)
        if ct is None or footer not in ct:
            problems.append("footer not in the decoded text")
        elif ot is not None and "\ufffd" not in ot and \
                not ct.startswith(ot.rstrip("\n")):
            problems.append("original text not kept")
    return kind, problems


@pytest.mark.skipif(not FILES, reason="no corpus at %s" % CORPUS)
@pytest.mark.parametrize("footer_key", sorted(FOOTERS))
@pytest.mark.parametrize("path", FILES,
                         ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_file(path, footer_key):
    kind, problems = check(path, footer_key)
    assert not problems, "%s (%s): %s" % (path, kind, "; ".join(problems))


@pytest.mark.skipif(not FILES, reason="no corpus at %s" % CORPUS)
def test_corpus_summary():
    """Counts, printed with -s; and the corpus must give every kind."""
    for key in sorted(FOOTERS):
        counts, failed = collections.Counter(), []
        for path in FILES:
            kind, problems = check(path, key)
            if kind == "unchanged":
                with open(path, "rb") as f:
                    top = email.parser.BytesParser(policy=POLICY).parsebytes(
                        normalise(f.read()), headersonly=True)
                kind += (" (signed/encrypted)" if top.get_content_type()
                         in UNTOUCHABLE else " (other)")
            counts[kind] += 1
            if problems:
                failed.append(str(path))
        print("\nlistcopy corpus, %s footer: %d files, %s, %d failing %s"
              % (key, len(FILES), dict(sorted(counts.items())), len(failed),
                 failed[:10]))
        for kind in ("text", "mixed", "wrap", "unchanged (signed/encrypted)"):
            assert counts[kind] > 0, kind
        assert not failed
