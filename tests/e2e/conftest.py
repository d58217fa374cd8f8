"""Shared fixtures and helpers for confer's end-to-end tests.

Every call of the binary goes through run_confer(), which also checks,
when CONFER_SANITIZED=1, that the binary's stderr holds no AddressSanitizer,
UndefinedBehaviorSanitizer or LeakSanitizer report.

Environment:
  CONFER_BIN        the binary (default: <repo>/confer)
  CONFER_SANITIZED  1 when the binary is built with ASan/UBSan
  CONFER_CORPUS     the shared mail corpus (default: <repo>/../shared/corpus,
                    else /work/shared/corpus)

Fixtures:
  smtpd   a running tests/tools/smtpd.py SmtpServer on 127.0.0.1
  site    a fresh site in tmp_path, `--relay 127.0.0.1:<smtpd port>`
  confer  site.confer: confer(*args, input=None, env=None) -> (rc, out, err)
"""

import email.parser
import email.policy
import email.utils
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CONFER_BIN = os.environ.get("CONFER_BIN") or str(REPO / "confer")
SANITIZED = os.environ.get("CONFER_SANITIZED") == "1"
# as the unit tests find it: a clone elsewhere on a work machine still
# runs the corpus tests
CORPUS = pathlib.Path(os.environ.get("CONFER_CORPUS") or next(
    (p for p in (REPO.parent / "shared" / "corpus",
                 pathlib.Path("/work/shared/corpus")) if p.is_dir()),
    REPO.parent / "shared" / "corpus"))
DOMAIN = "lists.test"
BASE_URL = "http://archive.lists.test/arc/"

sys.path.insert(0, str(REPO / "tests" / "tools"))
from smtpd import SmtpServer, read_deliveries  # noqa: E402

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "LeakSanitizer")

# "confer[PID]: info msg=NAME decision: rcpt=... sender=<...> outcome=...
#  reason="...""
DECISION_RE = re.compile(
    r'^confer\[\d+\]: \w+ (?:msg=(?P<name>\S+) )?decision: '
    r'rcpt=(?P<rcpt>\S*) sender=<(?P<sender>[^>]*)> '
    r'outcome=(?P<outcome>\S+) reason="(?P<reason>.*)"$', re.M)

BYTES_PARSER = email.parser.BytesParser(policy=email.policy.default)


def base_env(extra=None):
    env = dict(os.environ)
    for k in ("CONFER_CONFIG", "CONFER_NOW", "SENDER", "RECIPIENT",
              "ORIGINAL_RECIPIENT"):
        env.pop(k, None)
    if SANITIZED:
        supp = REPO / "tests" / "lsan.supp"
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        if supp.exists():
            env.setdefault("LSAN_OPTIONS", "suppressions=%s" % supp)
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
    return env


def check_sanitizer(args, stderr):
    """Fails the test when a sanitizer reported anything."""
    if not SANITIZED:
        return
    for mark in SANITIZER_MARKS:
        if mark in stderr:
            i = stderr.find(mark)
            pytest.fail("sanitizer report (%r) from: confer %s\n%s"
                        % (mark, " ".join(map(str, args)),
                           stderr[max(0, i - 500):i + 4000]))


def run_confer(*args, input=None, env=None, timeout=None):
    """Runs the binary; returns (rc, stdout, stderr) as text (undecodable
    bytes replaced).  input may be bytes or str."""
    if isinstance(input, str):
        input = input.encode()
    if timeout is None:
        timeout = 600 if SANITIZED else 300
    p = subprocess.run([CONFER_BIN] + [str(a) for a in args], input=input,
                       stdin=None if input is not None else subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=base_env(env), timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    check_sanitizer(args, err)
    return p.returncode, out, err


def decisions(stderr):
    """The decision lines of a stderr text, as dicts."""
    return [m.groupdict() for m in DECISION_RE.finditer(stderr)]


def make_message(frm="Alice <alice@example.org>", to="network@" + DOMAIN,
                 subject="Hello", body="Hello, list.\n", msgid=None,
                 date=None, headers=(), eol="\n"):
    """A simple text message as bytes.  msgid=False leaves Message-ID out,
    frm=None leaves From out; headers is a list of (name, value)."""
    lines = []
    if frm is not None:
        lines.append("From: %s" % frm)
    if to is not None:
        lines.append("To: %s" % to)
    if subject is not None:
        lines.append("Subject: %s" % subject)
    lines.append("Date: %s" % (date or email.utils.formatdate(
        time.time(), localtime=False)))
    if msgid is None:
        msgid = email.utils.make_msgid(domain="example.org")
    if msgid:
        lines.append("Message-ID: %s" % msgid)
    for name, value in headers:
        lines.append("%s: %s" % (name, value))
    lines.append("MIME-Version: 1.0")
    lines.append("Content-Type: text/plain; charset=utf-8")
    text = "\n".join(lines) + "\n\n" + body
    return text.replace("\n", eol).encode("utf-8")


def msgid_of(raw):
    m = re.search(rb"^Message-ID:[ \t]*<([^>]*)>", raw, re.I | re.M)
    return m.group(1).decode() if m else None


def parse(raw):
    return BYTES_PARSER.parsebytes(raw)


def defect_kinds(msg):
    """The set of defect class names of a parsed message, over every part
    and every header."""
    kinds = set()
    for part in msg.walk():
        for d in part.defects:
            kinds.add(type(d).__name__)
        for name, value in part.items():
            for d in getattr(value, "defects", ()):
                kinds.add(type(d).__name__)
    return kinds


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Site:
    """A confer site in a folder, with helpers around the binary."""

    def __init__(self, path, smtpd=None, outdir=None):
        self.dir = pathlib.Path(path)
        self.conf = self.dir / "confer.conf"
        self.smtpd = smtpd
        self.outdir = outdir
        self.spool = self.dir / "spool"
        self.archive = self.dir / "archive"
        self.outbox = self.dir / "outbox"
        self.last_run_stderr = ""

    # --- running the binary ---------------------------------------------
    def confer(self, *args, input=None, env=None, timeout=None):
        return run_confer("-c", self.conf, *args, input=input, env=env,
                          timeout=timeout)

    def ok(self, *args, input=None, env=None):
        """Runs a command that must succeed; returns its stdout."""
        rc, out, err = self.confer(*args, input=input, env=env)
        assert rc == 0, "confer %s: rc=%d\nstdout: %s\nstderr: %s" % (
            " ".join(map(str, args)), rc, out, err)
        return out

    # --- configuration ----------------------------------------------------
    def set_setting(self, name, value):
        """Replaces `name = ...;` in confer.conf (first occurrence, inside
        its group when the setting is in one); value is written as given."""
        text = self.conf.read_text()
        new, n = re.subn(r"(?m)^(\s*%s\s*=\s*)[^;]*;" % re.escape(name),
                         lambda m: m.group(1) + value + ";", text, count=1)
        assert n == 1, "setting %s not found in confer.conf" % name
        self.conf.write_text(new)

    # --- lists and members -------------------------------------------------
    def add_member(self, address, lst="network", name=None, role=None):
        args = ["member", "add", lst, address]
        if name:
            args += ["--name", name]
        if role:
            args += ["--role", role]
        return self.ok(*args)

    def members(self, lst):
        out = self.ok("member", "list", lst)
        return [line.split()[0] for line in out.splitlines() if line.strip()]

    # --- mail ------------------------------------------------------------
    def receive(self, msg, *rcpts, sender="poster@example.org", env=None):
        if not rcpts:
            rcpts = ("network@" + DOMAIN,)
        args = ["receive"]
        if sender is not None:
            args += ["--sender", sender]
        return self.confer(*args, *rcpts, input=msg, env=env)

    def post(self, msg, *rcpts, sender="poster@example.org", env=None):
        """receive that must exit 0."""
        rc, out, err = self.receive(msg, *rcpts, sender=sender, env=env)
        assert rc == 0, "receive: rc=%d stderr=%s" % (rc, err)

    def run_once(self, env=None, timeout=None):
        """`run --once`; returns (rc, decisions, stderr)."""
        rc, out, err = self.confer("run", "--once", env=env, timeout=timeout)
        self.last_run_stderr = err
        return rc, decisions(err), err

    def queue_lines(self, env=None):
        out = self.ok("queue", env=env)
        lines = out.splitlines()
        assert lines and re.match(r"^\d+ deliveries waiting$", lines[-1]), out
        return lines[:-1], int(lines[-1].split()[0])

    def threads(self, lst="network"):
        import json
        return json.loads(self.ok("threads", lst, "--json"))

    def incoming(self, sub="new"):
        d = self.spool / "incoming" / sub
        return sorted(p.name for p in d.iterdir() if not p.name.startswith("."))

    def deliveries(self):
        return read_deliveries(self.outdir) if self.outdir else []


@pytest.fixture
def smtpd(tmp_path):
    outdir = tmp_path / "smtp-out"
    srv = SmtpServer(str(outdir), port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def init_site(path, relay=None, transport=None, domain=DOMAIN, url=BASE_URL):
    args = ["init", path, "--domain", domain, "--url", url]
    if relay:
        args += ["--relay", relay]
    if transport:
        args += ["--transport", transport]
    rc, out, err = run_confer(*args)
    assert rc == 0, "init failed: rc=%d %s %s" % (rc, out, err)
    return rc, out, err


@pytest.fixture
def site(tmp_path, smtpd):
    d = tmp_path / "site"
    init_site(d, relay="127.0.0.1:%d" % smtpd.port)
    return Site(d, smtpd=smtpd, outdir=smtpd.outdir)


@pytest.fixture
def confer(site):
    return site.confer
