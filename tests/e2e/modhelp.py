"""Helpers shared by the moderation and request tests: reply fixtures
built from real clients' messages, and finding confer's messages."""

import email.utils
import pathlib
import re
import uuid

from conftest import DOMAIN, msgid_of, parse

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "moderation"
CLIENTS = sorted(p.name for p in FIXTURES.glob("*.eml"))


def from_fixture(name, frm, to, text, subject="held post"):
    """A reply as the client in fixture `name` writes it."""
    raw = (FIXTURES / name).read_bytes()
    for key, val in (("FROM", frm), ("TO", to), ("TEXT", text),
                     ("SUBJECT", subject), ("ID", uuid.uuid4().hex)):
        raw = raw.replace(b"{{%s}}" % key.encode(), val.encode())
    return raw


def token_address(raw):
    """The Reply-To address of a notification."""
    m = parse(raw)
    return email.utils.parseaddr(str(m["Reply-To"]))[1]


def notifications(site, rcpt=None):
    """Moderation notifications (From LIST-moderate+TOKEN)."""
    out = []
    for env, raw in site.deliveries():
        m = parse(raw)
        if "-moderate+" in str(m.get("From", "")) and (
                rcpt is None or rcpt in env["rcpt_tos"]):
            out.append((env, raw))
    return out


def to(site, rcpt):
    """Everything delivered to rcpt."""
    return [(env, raw) for env, raw in site.deliveries()
            if rcpt.lower() in [r.lower() for r in env["rcpt_tos"]]]


def list_copies(site, mid=None):
    return [(env, raw) for env, raw in site.deliveries()
            if env["mail_from"].endswith("-bounces@" + DOMAIN)
            and (mid is None or msgid_of(raw) == mid)]


def text_of(raw):
    """The text of a message with white space runs made one space, so
    that wrapped sentences can be searched."""
    m = parse(raw)
    part = m.get_body(preferencelist=("plain",))
    return " ".join(part.get_content().split()) if part else ""


def held_ids(site, lst=None):
    out = site.ok("mod", "list", *([lst] if lst else []))
    return [int(line.split()[0]) for line in out.splitlines() if line.strip()]


def outcomes(dec):
    return [d["outcome"] for d in dec]
