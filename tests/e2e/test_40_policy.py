"""Posting policy: members' posts, non-members, robots, loops, sizes,
quarantine and kept mail."""

import re

import pytest

from conftest import (BASE_URL, DOMAIN, defect_kinds, make_message, msgid_of,
                      parse)

NET = "network@" + DOMAIN
# A non-member's post is not delivered: refused, or held for a moderator
# (the moderation work turned "refused" into "held"); either way the
# envelope sender gets one notice.
NOT_DELIVERED = ("refused", "held", "discarded")
MEMBERS = ["alice@example.org", "bob@example.org", "carol@example.org"]


@pytest.fixture
def members(site):
    for m in MEMBERS:
        site.add_member(m)
    return MEMBERS


def list_copies(site, mid=None):
    """Deliveries from a -bounces sender (list copies, not replies)."""
    return [(env, raw) for env, raw in site.deliveries()
            if env["mail_from"].endswith("-bounces@" + DOMAIN)
            and (mid is None or msgid_of(raw) == mid)]


def replies(site):
    return [(env, raw) for env, raw in site.deliveries()
            if env["mail_from"] == ""]


def per_rcpt(copies):
    out = {}
    for env, raw in copies:
        for r in env["rcpt_tos"]:
            assert r.lower() not in out, "%s got two copies" % r
            out[r.lower()] = raw
    return out


def one_decision(dec, err):
    assert len(dec) == 1, "expected one decision:\n" + err
    d = dec[0]
    assert d["reason"], "decision without a reason: %r" % d
    return d


# --- a member's post ------------------------------------------------------

def test_member_post_reaches_every_member_once(site, members):
    orig = make_message(
        frm="Alice Example <alice@example.org>", subject="Plans for June",
        msgid="<plans-june@example.org>",
        date="Tue, 04 Jun 2024 10:00:00 +0200",
        headers=[("In-Reply-To", "<earlier@example.org>"),
                 ("References", "<root@example.org> <earlier@example.org>"),
                 ("Cc", "someone@example.net")],
        body="Let us meet.\n")
    site.post(orig)
    rc, dec, err = site.run_once()
    assert rc == 0, err
    d = one_decision(dec, err)
    assert d["outcome"] == "accepted" and d["rcpt"] == NET
    copies = list_copies(site)
    got = per_rcpt(copies)
    assert sorted(got) == MEMBERS
    assert {env["mail_from"] for env, raw in copies} == {
        "network-bounces@" + DOMAIN}
    assert replies(site) == []
    o = parse(orig)
    for rcpt, raw in got.items():
        m = parse(raw)
        assert not (defect_kinds(m) - defect_kinds(o)), defect_kinds(m)
        assert m["List-Id"].count("<network.%s>" % DOMAIN) == 1
        assert len(m.get_all("List-Id")) == 1
        for h in ("List-Help", "List-Subscribe", "List-Unsubscribe",
                  "List-Post", "List-Owner", "List-Archive", "Archived-At"):
            assert len(m.get_all(h, [])) == 1, h
        assert m["List-Post"] == "<mailto:%s>" % NET
        assert "network-request@%s" % DOMAIN in m["List-Help"]
        assert "network-request@%s" % DOMAIN in m["List-Subscribe"]
        assert "network-request@%s" % DOMAIN in m["List-Unsubscribe"]
        assert "network-owner@%s" % DOMAIN in m["List-Owner"]
        assert m["List-Archive"].strip("<>").startswith(BASE_URL)
        arch = m["Archived-At"].strip()
        mm = re.fullmatch(r"<%snetwork/msg/([a-z2-7]+)\.html>"
                          % re.escape(BASE_URL), arch)
        assert mm, arch
        assert "archived as " + mm.group(1) == d["reason"], "Archived-At is not the permalink"
        assert (site.archive / "network" / "msg" /
                (mm.group(1) + ".html")).exists()
        assert m["Precedence"] == "list"
        assert str(m["Subject"]) == "[network] Plans for June"
        assert m["Message-ID"] == "<plans-june@example.org>"
        assert m["From"] == "Alice Example <alice@example.org>"
        assert m["Date"] == "Tue, 04 Jun 2024 10:00:00 +0200"
        assert m["In-Reply-To"] == "<earlier@example.org>"
        assert m["References"] == "<root@example.org> <earlier@example.org>"
        assert m["Cc"] == "someone@example.net"
        assert m.get_content().replace("\r\n", "\n") == "Let us meet.\n"
    assert len({raw for raw in got.values()}) == 1


def test_from_address_is_case_insensitive(site, members):
    msg = make_message(frm='"Bob" <BOB@Example.ORG>', subject="case")
    site.post(msg)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    assert sorted(per_rcpt(list_copies(site))) == MEMBERS


@pytest.mark.parametrize("frm", [
    "alice@example.org",
    "alice@example.org (Alice Liddell)",
    "Alice <alice@example.org>",
    '"Liddell, Alice" <alice@example.org>',
    "=?utf-8?q?Al=C3=AFce?= <alice@example.org>",
    "Alice\n <alice@example.org>",
    "<@route1.example:alice@example.org>",
    "Alice <@r1.example,@r2.example:alice@example.org>",
])
def test_from_syntax_variants_recognised(site, members, frm):
    """RFC 5322 forms of one member's address (including the obsolete
    route syntax of section 4.4, which parsers must accept)."""
    site.post(make_message(frm=frm, subject="from variant"),
              sender="alice@example.org")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "accepted", "From: %r -> %r" % (frm, d)
    assert sorted(per_rcpt(list_copies(site))) == MEMBERS


@pytest.mark.parametrize("subject,expected", [
    ("[network] already tagged", "[network] already tagged"),
    ("Re: [network] reply", "Re: [network] reply"),
    ("[NETWORK] shouting", None),
    ("Re: Re: [network] twice", None),
    ("", None),
])
def test_subject_tagged_exactly_once(site, members, subject, expected):
    site.post(make_message(frm="alice@example.org", subject=subject))
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    (raw,) = {raw for raw in per_rcpt(list_copies(site)).values()}
    subj = str(parse(raw)["Subject"])
    assert subj.lower().count("[network]") == 1, subj
    if expected:
        assert subj == expected


def test_encoded_subject_tagged_once(site, members):
    subj = "=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="
    site.post(make_message(frm="alice@example.org", subject=subj))
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    (raw,) = {raw for raw in per_rcpt(list_copies(site)).values()}
    m = parse(raw)
    assert str(m["Subject"]) == "[network] Grüße aus Köln"
    assert not defect_kinds(m)


def test_post_without_message_id_gets_one(site, members):
    msg = make_message(frm="alice@example.org", msgid=False, subject="no id")
    site.post(msg)
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "accepted", err
    (raw,) = {raw for raw in per_rcpt(list_copies(site)).values()}
    m = parse(raw)
    assert len(m.get_all("Message-ID", [])) == 1
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", m["Message-ID"])
    (t,) = site.threads()
    assert t["messages"] == [m["Message-ID"].strip("<>")]


def test_sub_list_post_only_to_its_members(site, members):
    site.ok("list", "create", "dev")
    site.add_member("alice@example.org", "dev")
    site.add_member("bob@example.org", "dev")
    msg = make_message(frm="bob@example.org", to="dev@" + DOMAIN,
                       subject="dev only")
    site.post(msg, "dev@" + DOMAIN)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    copies = list_copies(site)
    assert sorted(per_rcpt(copies)) == ["alice@example.org", "bob@example.org"]
    assert {env["mail_from"] for env, raw in copies} == {
        "dev-bounces@" + DOMAIN}
    m = parse(copies[0][1])
    assert "<dev.%s>" % DOMAIN in m["List-Id"]
    assert str(m["Subject"]) == "[dev] dev only"


def test_network_member_cannot_post_to_sub_list_they_are_not_in(site, members):
    site.ok("list", "create", "dev")
    site.add_member("alice@example.org", "dev")
    site.post(make_message(frm="carol@example.org", to="dev@" + DOMAIN),
              "dev@" + DOMAIN, sender="carol@example.org")
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] in NOT_DELIVERED, err
    assert list_copies(site) == []
    assert len(replies(site)) == 1


def test_post_to_two_lists_at_once(site, members):
    site.ok("list", "create", "dev")
    site.add_member("alice@example.org", "dev")
    site.post(make_message(frm="alice@example.org"), NET, "dev@" + DOMAIN)
    rc, dec, err = site.run_once()
    assert sorted((d["rcpt"], d["outcome"]) for d in dec) == [
        ("dev@" + DOMAIN, "accepted"), (NET, "accepted")], err
    # archived in both lists; every member of either list gets one copy
    # (alice is in both: still one)
    assert len(site.threads("network")) == 1
    assert len(site.threads("dev")) == 1
    assert sorted(per_rcpt(list_copies(site))) == MEMBERS


# --- non-members and robots ------------------------------------------------------

def test_non_member_gets_one_reply(site, members):
    orig = make_message(frm="Mallory <mallory@example.net>",
                        subject="let me in", msgid="<nm-1@example.net>")
    site.post(orig, sender="mallory-env@example.net")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] in NOT_DELIVERED, err
    assert "mallory@example.net" in d["reason"]
    assert list_copies(site) == [], "a non-member's post was delivered"
    (env, raw), = replies(site)
    assert env["rcpt_tos"] == ["mallory-env@example.net"]
    m = parse(raw)
    assert m["Auto-Submitted"] == "auto-replied"
    assert m["In-Reply-To"] == "<nm-1@example.net>"
    assert "mallory-env@example.net" in m["To"]
    assert m["From"].addresses[0].domain == DOMAIN
    assert not defect_kinds(m)
    assert "network" in m.get_content()
    assert not list(site.archive.glob("network/msg/*.html")), \
        "a refused post was archived"


@pytest.mark.parametrize("sender,headers", [
    ("", []),
    ("mallory@example.net", [("Auto-Submitted", "auto-generated")]),
    ("mallory@example.net", [("Auto-Submitted", "auto-replied")]),
    ("mallory@example.net", [("Precedence", "bulk")]),
    ("mallory@example.net", [("Precedence", "junk")]),
    ("mallory@example.net", [("Precedence", "list")]),
    ("mallory@example.net", [("List-Id", "Other list <other.example.net>")]),
    ("MAILER-DAEMON@example.net", []),
])
def test_no_reply_to_robots(site, members, sender, headers):
    site.post(make_message(frm="mallory@example.net", headers=headers),
              sender=sender)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] in NOT_DELIVERED, err
    assert site.deliveries() == [], "robot mail got an answer or was delivered"


def test_auto_submitted_no_gets_reply(site, members):
    site.post(make_message(frm="mallory@example.net",
                           headers=[("Auto-Submitted", "no")]),
              sender="mallory@example.net")
    site.run_once()
    assert len(replies(site)) == 1
    assert list_copies(site) == []


def test_one_reply_per_address_per_day(site, members):
    # refusals are limited to one a day; a held post's notice is per post
    # (test_70_moderation)
    site.ok("list", "set", "network", "nonmember_posts", "reject")
    for i in range(3):
        site.post(make_message(frm="mallory@example.net",
                               subject="attempt %d" % i),
                  sender="mallory@example.net")
    rc, dec, err = site.run_once()
    assert len(dec) == 3 and {d["outcome"] for d in dec} <= set(
        NOT_DELIVERED), err
    assert len(replies(site)) == 1
    site.post(make_message(frm="mallory@example.net", subject="later"),
              sender="mallory@example.net")
    site.run_once()
    assert len(replies(site)) == 1, "second reply on the same day"
    # the next day there may be one more, and only one
    tomorrow = {"CONFER_NOW": "+90000"}
    for i in range(2):
        site.post(make_message(frm="mallory@example.net", subject="day 2"),
                  sender="mallory@example.net", env=tomorrow)
    site.run_once(env=tomorrow)
    assert len(replies(site)) == 2
    assert list_copies(site) == []


def test_reply_limit_is_per_address(site, members):
    site.ok("list", "set", "network", "nonmember_posts", "reject")
    for who in ("x@example.net", "y@example.net", "X@Example.NET"):
        site.post(make_message(frm=who), sender=who)
    site.run_once()
    rcpts = sorted(env["rcpt_tos"][0].lower() for env, raw in replies(site))
    assert rcpts == ["x@example.net", "y@example.net"]


# --- loops -------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    [("List-Id", "network <network.%s>" % DOMAIN)],
    [("List-Id", "<dev.%s>" % DOMAIN)],
    [("X-Loop", "network@%s" % DOMAIN)],
])
def test_own_mail_never_sent_again(site, members, headers):
    site.post(make_message(frm="alice@example.org", headers=headers))
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] not in ("accepted",), err
    assert site.deliveries() == []


def test_list_copy_fed_back_is_not_resent(site, members):
    site.post(make_message(frm="alice@example.org", subject="echo"))
    site.run_once()
    (raw,) = {raw for raw in per_rcpt(list_copies(site)).values()}
    n = len(site.deliveries())
    site.post(raw, sender="network-bounces@" + DOMAIN)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] != "accepted", err
    assert len(site.deliveries()) == n


def test_reply_fed_back_is_not_answered(site, members):
    site.post(make_message(frm="mallory@example.net"),
              sender="mallory@example.net")
    site.run_once()
    (env, raw), = replies(site)
    # the reply bounces back to the list
    site.post(raw, sender="")
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] != "accepted"
    assert len(site.deliveries()) == 1


# --- sizes ---------------------------------------------------------------------

def test_post_over_max_size_gets_reply(site, members):
    site.set_setting("max_size", "2048")
    site.ok("list", "create", "small")
    site.add_member("alice@example.org", "small")
    site.add_member("bob@example.org", "small")
    big = make_message(frm="alice@example.org", to="small@" + DOMAIN,
                       body=("b" * 70 + "\n") * 100)
    site.post(big, "small@" + DOMAIN, sender="alice@example.org")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "refused", err
    assert list_copies(site) == []
    (env, raw), = replies(site)
    assert env["rcpt_tos"] == ["alice@example.org"]
    assert parse(raw)["Auto-Submitted"] == "auto-replied"
    small = make_message(frm="alice@example.org", to="small@" + DOMAIN,
                         body="short\n")
    site.post(small, "small@" + DOMAIN, sender="alice@example.org")
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    assert sorted(per_rcpt(list_copies(site))) == ["alice@example.org",
                                                    "bob@example.org"]


# --- quarantine and kept mail ---------------------------------------------------------

@pytest.mark.parametrize("msg", [
    b"Subject: no from at all\nTo: network@lists.test\n\nbody\n",
    b"From: \nSubject: empty from\n\nbody\n",
    b"From: just a name\nSubject: no address\n\nbody\n",
    b"From: <>\nSubject: null from\n\nbody\n",
])
def test_no_usable_from_is_quarantined(site, members, msg):
    site.post(msg)
    (name,) = site.incoming("new")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "quarantined", err
    bad = site.spool / "bad"
    assert (bad / name).exists(), "not in spool/bad: %s" % sorted(
        p.name for p in bad.iterdir())
    assert (bad / (name + ".reason")).read_text().strip()
    assert site.incoming("new") == []
    assert site.deliveries() == []


@pytest.mark.parametrize("local", ["network-request", "network-bounces",
                                   "network-confirm+abc123",
                                   "network-moderate+tok42",
                                   "network-owner"])   # and no owner
def test_service_addresses_not_posted(site, members, local):
    """Mail to a list's service addresses is never a post: it is kept in
    spool/kept with a reason (or, where later work handles the address,
    handled: e.g. -request answered), never delivered to the members,
    archived or quarantined."""
    rcpt = "%s@%s" % (local, DOMAIN)
    site.post(make_message(frm="alice@example.org", to=rcpt), rcpt)
    (name,) = site.incoming("new")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] not in ("accepted", "quarantined"), err
    if d["outcome"] == "kept" or local in ("network-bounces",
                                           "network-owner"):
        assert d["outcome"] == "kept", err
        kept = site.spool / "kept"
        assert (kept / name).exists()
        assert (kept / (name + ".reason")).read_text().strip()
    assert list_copies(site) == []
    assert not list(site.archive.glob("network/msg/*.html"))
    assert site.incoming("new") == []


def test_owner_address_forwards_to_owners(site, members):
    site.add_member("owner@example.org", role="owner")
    msg = make_message(frm="mallory@example.net", to="network-owner@" + DOMAIN,
                       subject="question for the owners")
    site.post(msg, "network-owner@" + DOMAIN, sender="mallory@example.net")
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "forwarded", err
    (env, raw), = site.deliveries()
    assert env["rcpt_tos"] == ["owner@example.org"]
    assert msgid_of(raw) == msgid_of(msg)


def test_every_decision_is_logged(site, members):
    site.post(make_message(frm="alice@example.org"))
    site.post(make_message(frm="zed@example.net"), sender="zed@example.net")
    site.post(b"Subject: none\n\nx\n")
    site.post(make_message(to="network-request@" + DOMAIN),
              "network-request@" + DOMAIN)
    rc, dec, err = site.run_once()
    by_rcpt = sorted((d["rcpt"], d["sender"], d["outcome"]) for d in dec)
    assert len(dec) == 4, err
    outcomes = [d["outcome"] for d in dec]
    assert outcomes.count("accepted") == 1, err
    assert outcomes.count("quarantined") == 1, err
    assert sum(o in NOT_DELIVERED for o in outcomes) == 1, err
    assert [o for r, snd, o in by_rcpt
            if r.startswith("network-request")][0] not in (
                "accepted", "quarantined"), err
    assert all(d["reason"] for d in dec)


# --- more shapes of a member's post -------------------------------------------

def test_same_list_twice_in_one_envelope_delivers_once(site, members):
    site.post(make_message(frm="alice@example.org", subject="twice"),
              NET, "Network@LISTS.test")
    rc, dec, err = site.run_once()
    assert len(dec) == 2, err
    assert sorted(d["outcome"] for d in dec)[0] == "accepted", err
    assert sorted(per_rcpt(list_copies(site))) == MEMBERS


def test_forged_site_from_is_not_a_member(site, members):
    # an address of this site cannot even be made a member
    rc, out, err = site.confer("member", "add", "network",
                               "network-owner@" + DOMAIN)
    assert rc == 65 and "address of this site" in err
    site.post(make_message(frm="network-owner@" + DOMAIN, subject="forged"),
              sender="mallory@example.net")
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] != "accepted", err
    assert list_copies(site) == []


def test_raw_utf8_header_post(site, members):
    raw = ("From: Jürgen Müller <alice@example.org>\n"
           "To: network@lists.test\nSubject: Grüße aus Köln\n"
           "Message-ID: <utf8raw@example.org>\n"
           "Date: Mon, 01 Jan 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: 8bit\n\nHallo zusammen, äöü.\n"
           ).encode("utf-8")
    site.post(raw)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    (copy,) = {r for r in per_rcpt(list_copies(site)).values()}
    m, o = parse(copy), parse(raw)
    assert str(m["Subject"]) == "[network] Grüße aus Köln"
    assert not (defect_kinds(m) - defect_kinds(o))
    assert "Hallo zusammen, äöü." in m.get_content()
    assert str(m["From"]) == str(o["From"])


def test_no_final_newline(site, members):
    raw = make_message(frm="alice@example.org", body="last line no newline")
    assert not raw.endswith(b"\n")
    site.post(raw)
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    (copy,) = {r for r in per_rcpt(list_copies(site)).values()}
    assert copy.endswith(b"last line no newline\r\n")


def test_dot_lines_survive_smtp(site, members):
    body = ".\n..\n.leading dot\n...three\nend\n"
    site.post(make_message(frm="alice@example.org", body=body))
    rc, dec, err = site.run_once()
    assert one_decision(dec, err)["outcome"] == "accepted", err
    (copy,) = {r for r in per_rcpt(list_copies(site)).values()}
    assert copy.split(b"\r\n\r\n", 1)[1] == body.replace(
        "\n", "\r\n").encode()


def test_two_runners_at_once_deliver_once(site, members):
    import subprocess
    from conftest import CONFER_BIN, base_env, check_sanitizer
    mids = []
    for i in range(15):
        m = make_message(frm="bob@example.org", subject="race %d" % i)
        mids.append(msgid_of(m))
        site.post(m)
    procs = [subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "run",
                               "--once"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=base_env())
             for _ in range(3)]
    errs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        err = err.decode("utf-8", "replace")
        check_sanitizer(["run", "--once"], err)
        errs.append(err)
    from conftest import decisions
    dec = [d for e in errs for d in decisions(e)]
    assert len(dec) == 15, "each message decided once, got %d" % len(dec)
    counts = {}
    for env, raw in list_copies(site):
        for r in env["rcpt_tos"]:
            key = (msgid_of(raw), r)
            counts[key] = counts.get(key, 0) + 1
    assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1]
    assert len(counts) == 15 * len(MEMBERS)


@pytest.mark.parametrize("content", [
    b"",
    b"garbage that is no spool file\n",
    b"confer-spool 1\nsender x@example.org\n\nFrom: a@example.org\n\nx\n",
    b"confer-spool 1\nsender a@example.org\nrecipient network@lists.test\n"
    b"received notanumber\nsource pipe\n\nFrom: a@example.org\n\nx\n",
    b"confer-spool 1\nsender a@example.org\nrecipient network@lists.test\n"
    b"received 1700000000\nsource pipe\n\nnot a header block\n",
])
def test_unreadable_spool_file_quarantined(site, members, content):
    """A file in incoming/new that is no valid spool file (written by
    hand, or damaged) is set aside in spool/bad with a reason."""
    name = "1700000000.12345.damaged"
    (site.spool / "incoming" / "new" / name).write_bytes(content)
    rc, dec, err = site.run_once()
    bad = site.spool / "bad"
    assert (bad / name).exists(), err
    assert (bad / (name + ".reason")).read_text().strip()
    assert site.incoming("new") == []
    assert site.deliveries() == []
    # and it does not block the mail behind it
    site.post(make_message(frm="alice@example.org"))
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err


@pytest.mark.parametrize("sender,headers", [
    ("", []),
    ("alice@example.org", [("Auto-Submitted", "auto-replied")]),
    ("alice@example.org", [("X-Autoreply", "yes")]),
    ("alice@example.org", [("Precedence", "auto_reply")]),
])
def test_members_automatic_mail_is_not_distributed(site, members, sender,
                                                   headers):
    """A member's out-of-office reply or a bounce sent to the list address
    is not a post: it is discarded with a logged reason."""
    site.post(make_message(frm="alice@example.org", headers=headers),
              sender=sender)
    rc, dec, err = site.run_once()
    d = one_decision(dec, err)
    assert d["outcome"] == "discarded", err
    assert "automatic" in d["reason"]
    assert site.deliveries() == []
