"""Held posts and moderators' replies (issue 3): holding, the
notification, replies from real clients deciding, refusals that leave the
post held, races between runners, expiry, reminders, the CLI and the log."""

import subprocess

import pytest

from conftest import CONFER_BIN, DOMAIN, base_env, make_message, msgid_of, parse
from modhelp import (CLIENTS, from_fixture, held_ids, list_copies,
                     notifications, outcomes, text_of, to, token_address)

NET = "network@" + DOMAIN
MEMBERS = ["alice@example.org", "bob@example.org"]
MOD = "mod@example.org"
MOD2 = "mod2@example.org"
OWNER = "owner@example.org"
POSTER = "mallory@example.net"


@pytest.fixture
def msite(site):
    for m in MEMBERS:
        site.add_member(m)
    site.add_member(MOD, role="moderator")
    site.add_member(MOD2, role="moderator")
    site.add_member(OWNER, role="owner")
    return site


def everyone():
    return sorted(MEMBERS + [MOD, MOD2, OWNER])


def hold_one(site, subject="let me in", frm=POSTER, rcpt=NET,
             sender=POSTER, body="Hello list, may I post?\n"):
    msg = make_message(frm="Mallory <%s>" % frm, subject=subject,
                       to=rcpt, body=body)
    site.post(msg, rcpt, sender=sender)
    rc, dec, err = site.run_once()
    assert rc == 0, err
    assert outcomes(dec) == ["held"], err
    return msg


def mod_token(site, who=MOD):
    """The token address of the newest notification sent to who."""
    env, raw = notifications(site, who)[-1]
    return token_address(raw), raw


def reply(site, fixture, text, frm=MOD, addr=None, sender=None, env=None):
    if addr is None:
        addr, _ = mod_token(site, frm if frm in (MOD, MOD2, OWNER) else MOD)
    raw = from_fixture(fixture, frm, addr, text)
    site.post(raw, addr, sender=sender if sender is not None else frm,
              env=env)
    rc, dec, err = site.run_once(env=env)
    assert rc == 0, err
    token = addr.split("@")[0].split("+")[-1]
    assert token not in err, "a token was logged"
    return dec, err


# --- holding and the notification ----------------------------------------

def test_non_member_post_is_held_and_moderators_notified(msite):
    msg = hold_one(msite, subject="Caf\u00e9 question")
    assert list_copies(msite) == []
    notes = notifications(msite)
    assert sorted(r for env, raw in notes for r in env["rcpt_tos"]) == \
        sorted([MOD, MOD2, OWNER])
    addrs = set()
    for env, raw in notes:
        m = parse(raw)
        addr = token_address(raw)
        addrs.add(addr)
        assert m["From"].addresses[0].addr_spec == addr
        local = addr.split("@")[0]
        assert local.startswith("network-moderate+")
        tok = local.split("+")[1]
        assert len(tok) == 26 and tok == tok.lower()
        assert m["Auto-Submitted"] == "auto-replied"
        assert env["mail_from"] == ""
        att = [p for p in m.iter_attachments()
               if p.get_content_type() == "message/rfc822"]
        assert len(att) == 1
        inner = att[0].get_content()
        assert inner["Message-ID"].strip("<>") == msgid_of(msg)
        text = text_of(raw)
        assert POSTER in text and "not a member" in text
        assert "Caf\u00e9 question" in text and "bytes" in text
        assert "Hello list, may I post?" in text
        # the token address is whole on one line of the raw message
        assert addr.encode() in raw
        for line in raw.split(b"\r\n"):
            assert len(line) <= 998
    assert len(addrs) == 3, "each moderator has their own token"
    # the sender is told once that the post waits
    (env, raw), = to(msite, POSTER)
    assert "waiting for a moderator" in text_of(raw)
    assert held_ids(msite) == [1]
    assert list(msite.spool.glob("held/*")), "original not kept in spool/held"


def test_no_waiting_notice_to_robots(msite):
    msg = make_message(frm=POSTER, headers=[("Auto-Submitted", "auto-generated")])
    msite.post(msg, sender=POSTER)
    rc, dec, err = msite.run_once()
    # automatic mail is not a post: discarded, never held or answered
    assert outcomes(dec) == ["discarded"]
    assert to(msite, POSTER) == []


# --- a reply decides -------------------------------------------------------

@pytest.mark.parametrize("client", CLIENTS)
def test_reply_approves(msite, client):
    msg = hold_one(msite)
    dec, err = reply(msite, client, "Looks fine to me, thanks!")
    assert outcomes(dec) == ["moderated"], err
    copies = list_copies(msite, msgid_of(msg))
    got = sorted(r for env, raw in copies for r in env["rcpt_tos"])
    assert got == everyone(), "every member gets one copy"
    confirm = [raw for env, raw in to(msite, MOD)
               if "Approved" in text_of(raw)]
    assert len(confirm) == 1
    assert held_ids(msite) == []
    assert list(msite.archive.glob("network/msg/*.html"))


@pytest.mark.parametrize("client", CLIENTS)
def test_empty_reply_approves(msite, client):
    msg = hold_one(msite)
    dec, err = reply(msite, client, "")
    assert outcomes(dec) == ["moderated"], err
    assert len(list_copies(msite, msgid_of(msg))) >= 1


@pytest.mark.parametrize("client", CLIENTS)
def test_reply_rejects_with_reason(msite, client):
    hold_one(msite)
    before = len(msite.deliveries())
    dec, err = reply(msite, client, "reject too long")
    assert outcomes(dec) == ["moderated"], err
    assert "rejected" in dec[0]["reason"]
    new = msite.deliveries()[before:]
    assert list_copies(msite) == []
    rcpts = sorted(r for env, raw in new for r in env["rcpt_tos"])
    assert rcpts == sorted([POSTER, MOD]), "only the sender and the moderator"
    (raw,) = [raw for env, raw in new if POSTER in env["rcpt_tos"]]
    assert "too long" in text_of(raw)
    assert parse(raw)["Auto-Submitted"] == "auto-replied"


@pytest.mark.parametrize("client", CLIENTS)
def test_reply_discards(msite, client):
    hold_one(msite)
    before = len(msite.deliveries())
    dec, err = reply(msite, client, "discard")
    assert outcomes(dec) == ["moderated"], err
    assert "discarded" in dec[0]["reason"]
    new = msite.deliveries()[before:]
    assert [env["rcpt_tos"] for env, raw in new] == [[MOD]]
    assert held_ids(msite) == []


# --- replies that decide nothing ------------------------------------------

def assert_still_held(site):
    assert held_ids(site) == [1]
    assert list_copies(site) == []


def test_reply_from_non_moderator(msite):
    hold_one(msite)
    addr, _ = mod_token(msite)
    dec, err = reply(msite, "gmail_alternative.eml", "", frm="alice@example.org",
                     addr=addr)
    assert outcomes(dec) == ["refused"], err
    assert_still_held(msite)
    (env, raw), = to(msite, "alice@example.org")
    assert "not one" in text_of(raw) and "stays held" in text_of(raw)
    # the token still works for the moderator
    dec, err = reply(msite, "gmail_alternative.eml", "", addr=addr)
    assert outcomes(dec) == ["moderated"]


def test_reply_with_wrong_token(msite):
    hold_one(msite)
    addr = "network-moderate+%s@%s" % ("a" * 26, DOMAIN)
    dec, err = reply(msite, "mutt_signed_bottom.eml", "", addr=addr)
    assert outcomes(dec) == ["refused"], err
    assert_still_held(msite)
    assert any("not valid" in text_of(raw) for env, raw in to(msite, MOD))


def test_reply_with_token_of_another_list(msite):
    msite.ok("list", "create", "dev")
    msite.add_member(MOD, "dev", role="moderator")
    hold_one(msite)
    addr, _ = mod_token(msite)
    other = addr.replace("network-moderate", "dev-moderate")
    dec, err = reply(msite, "mutt_signed_bottom.eml", "", addr=other)
    assert outcomes(dec) == ["refused"], err
    assert_still_held(msite)


def test_used_token_tells_who_decided(msite):
    msg = hold_one(msite)
    addr, _ = mod_token(msite)
    reply(msite, "gmail_alternative.eml", "", addr=addr)
    n = len(list_copies(msite))
    dec, err = reply(msite, "gmail_alternative.eml", "reject", addr=addr)
    assert outcomes(dec) == ["answered"], err
    assert len(list_copies(msite)) == n
    last = to(msite, MOD)[-1][1]
    assert "already approved by %s" % MOD in text_of(last)
    # the other moderator's token: told who decided, nothing sent again
    addr2, _ = mod_token(msite, MOD2)
    dec, err = reply(msite, "outlook_html_only.eml", "discard", frm=MOD2,
                     addr=addr2)
    assert outcomes(dec) == ["answered"], err
    assert len(list_copies(msite, msgid_of(msg))) == n
    assert MOD in text_of(to(msite, MOD2)[-1][1])


@pytest.mark.parametrize("headers,sender", [
    ([("Auto-Submitted", "auto-replied")], MOD),
    ([("X-Autoreply", "yes")], MOD),
    ([("Precedence", "auto_reply")], MOD),
    ([("Precedence", "bulk")], MOD),
    ([], ""),
])
def test_auto_reply_decides_nothing(msite, headers, sender):
    hold_one(msite)
    addr, _ = mod_token(msite)
    before = len(msite.deliveries())
    msg = make_message(frm=MOD, to=addr, subject="Out of office: held post",
                       body="reject\nI am away until Monday.\n",
                       headers=headers)
    msite.post(msg, addr, sender=sender)
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["ignored"], err
    assert len(msite.deliveries()) == before, "a robot got an answer"
    assert_still_held(msite)


def test_reply_after_expiry(msite):
    hold_one(msite)
    addr, _ = mod_token(msite)
    later = {"CONFER_NOW": "+%d" % (15 * 86400)}
    dec, err = reply(msite, "thunderbird_fr_8bit.eml", "", addr=addr, env=later)
    assert outcomes(dec) == ["refused"], err
    assert "expired" in dec[0]["reason"]
    assert list_copies(msite) == []
    assert any("expired" in text_of(raw) for env, raw in to(msite, MOD))
    # the runner expired the post and told the sender once
    assert held_ids(msite) == []
    told = [raw for env, raw in to(msite, POSTER) if "expired" in text_of(raw)]
    assert len(told) == 1


# --- two runners, two approvals --------------------------------------------

def test_two_runners_two_approvals_distribute_once(msite):
    msg = hold_one(msite)
    a1, _ = mod_token(msite, MOD)
    a2, _ = mod_token(msite, MOD2)
    msite.post(from_fixture("gmail_alternative.eml", MOD, a1, "ok"), a1,
               sender=MOD)
    msite.post(from_fixture("outlook_html_only.eml", MOD2, a2, "yes"), a2,
               sender=MOD2)
    procs = [subprocess.Popen([CONFER_BIN, "-c", str(msite.conf), "run",
                               "--once"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=base_env())
             for _ in range(2)]
    errs = [p.communicate(timeout=300)[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    copies = list_copies(msite, msgid_of(msg))
    got = sorted(r for env, raw in copies for r in env["rcpt_tos"])
    assert got == everyone(), "distributed more or less than once"
    texts = [text_of(raw) for who in (MOD, MOD2) for env, raw in to(msite, who)]
    assert sum("Approved" in t for t in texts) == 1
    assert sum("already approved" in t for t in texts) == 1


# --- the rules -------------------------------------------------------------------

def test_forged_list_address_held_on_moderated_list(msite):
    msite.ok("list", "set", "network", "moderated", "on")
    msg = make_message(frm="network list <%s>" % NET, subject="forged")
    msite.post(msg, sender="evil@example.net")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["held"], err
    assert "address of this site" in dec[0]["reason"]
    assert list_copies(msite) == []


def test_moderated_list_holds_members_not_staff(msite):
    msite.ok("list", "set", "network", "moderated", "on")
    msite.post(make_message(frm="alice@example.org", subject="a"),
               sender="alice@example.org")
    msite.post(make_message(frm=MOD, subject="m"), sender=MOD)
    msite.post(make_message(frm=OWNER, subject="o"), sender=OWNER)
    rc, dec, err = msite.run_once()
    assert sorted(outcomes(dec)) == ["accepted", "accepted", "held"], err


def test_member_flag_and_new_members(msite):
    msite.ok("member", "set", "network", "bob@example.org", "moderated", "on")
    msite.ok("list", "set", "network", "moderate_new_members", "1")
    msite.post(make_message(frm="bob@example.org"), sender="bob@example.org")
    msite.post(make_message(frm="alice@example.org", subject="first"),
               sender="alice@example.org")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["held", "held"], err
    alice = [h for h in held_ids(msite)
             if "alice" in msite.ok("mod", "show", str(h))]
    msite.ok("mod", "approve", str(alice[0]))
    msite.post(make_message(frm="alice@example.org", subject="second"),
               sender="alice@example.org")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["accepted"], err


@pytest.mark.parametrize("setting,outcome", [("reject", "refused"),
                                             ("discard", "discarded"),
                                             ("hold", "held")])
def test_nonmember_posts_setting(msite, setting, outcome):
    msite.ok("list", "set", "network", "nonmember_posts", setting)
    msite.post(make_message(frm=POSTER), sender=POSTER)
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == [outcome], err


def test_accept_and_deny_lists(msite):
    msite.ok("list", "accept", "network", "@partner.org")
    msite.ok("list", "deny", "network", "spam@partner.org")
    msite.ok("list", "deny", "network", "@evil.example")
    msite.ok("list", "set", "network", "moderated", "on")
    for frm in ("friend@partner.org", "spam@partner.org", "alice@evil.example"):
        msite.post(make_message(frm=frm, subject=frm), sender=frm)
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["accepted", "discarded", "discarded"], err
    msite.ok("list", "deny", "network", "spam@partner.org", "--remove")
    msite.post(make_message(frm="spam@partner.org", subject="again"),
               sender="spam@partner.org")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["accepted"], err
    show = msite.ok("list", "show", "network")
    assert "@partner.org" in show and "@evil.example" in show
    assert "moderated: on" in show and "nonmember_posts: hold" in show


@pytest.mark.parametrize("args,msg", [
    (["moderatd", "on"], "unknown setting"),
    (["moderated", "maybe"], "not on or off"),
    (["nonmember_posts", "keep"], "hold|reject|discard"),
    (["moderate_new_members", "-1"], "not a number"),
    (["subscription_policy", "free"], "open|confirm_then_approve|closed"),
])
def test_list_set_errors(msite, args, msg):
    rc, out, err = msite.confer("list", "set", "network", *args)
    assert rc == 65 and msg in err, err


def test_list_accept_bad_entry(msite):
    rc, out, err = msite.confer("list", "accept", "network", "not an address")
    assert rc == 65 and "neither an address nor @domain" in err


# --- the CLI, reminders, the log ---------------------------------------------------

def test_mod_cli(msite):
    hold_one(msite, subject="one")
    hold_one(msite, subject="two", frm="eve@example.net", sender="eve@example.net")
    hold_one(msite, subject="three", frm="zed@example.net",
             sender="zed@example.net")
    out = msite.ok("mod", "list")
    assert "one" in out and "two" in out and "three" in out
    show = msite.ok("mod", "show", "1")
    assert "state: held" in show and POSTER in show and "Hello list" in show
    msite.ok("mod", "approve", "1")
    msite.ok("mod", "reject", "2", "--reason", "off topic")
    msite.ok("mod", "discard", "3")
    rc, out, err = msite.confer("mod", "approve", "1")
    assert rc == 65 and "already approved by admin" in err
    rc, out, err = msite.confer("mod", "show", "99")
    assert rc == 67
    assert msite.ok("mod", "list") == ""
    msite.run_once()
    assert len(list_copies(msite)) >= 1
    told = [raw for env, raw in to(msite, "eve@example.net")
            if "off topic" in text_of(raw)]
    assert len(told) == 1
    assert [raw for env, raw in to(msite, "zed@example.net")
            if "not accepted" in text_of(raw)] == []
    log = msite.ok("log", "network")
    for action in ("hold", "mod-approve", "mod-reject", "mod-discard"):
        assert action in log
    assert "off topic" in log
    # a mailed decision names the moderator
    hold_one(msite, subject="four")
    addr, _ = mod_token(msite)
    dec, err = reply(msite, "mutt_signed_bottom.eml", "discard", addr=addr)
    assert MOD in msite.ok("log")


def test_one_reminder_a_day(msite):
    hold_one(msite)
    n = len(notifications(msite))
    day2 = {"CONFER_NOW": "+%d" % (2 * 86400)}
    msite.run_once(env=day2)
    msite.run_once(env=day2)
    rem = [(env, raw) for env, raw in msite.deliveries()
           if "wait for a moderator" in str(parse(raw)["Subject"])]
    assert sorted(r for env, raw in rem for r in env["rcpt_tos"]) == \
        sorted([MOD, MOD2, OWNER])
    assert "#1" in text_of(rem[0][1])
    assert len(notifications(msite)) == n


def test_help_texts():
    for cmd in ("mod", "log", "list", "member"):
        p = subprocess.run([CONFER_BIN, cmd, "--help"], stdout=subprocess.PIPE,
                           env=base_env())
        assert p.returncode == 0
    p = subprocess.run([CONFER_BIN, "--help"], stdout=subprocess.PIPE,
                       env=base_env())
    assert b"mod " in p.stdout and b"log " in p.stdout


# --- the waiting notice, once per held post ------------------------------------

def waiting_notices(site, who=POSTER):
    return [raw for env, raw in to(site, who)
            if "waiting for a moderator" in text_of(raw)]


def test_sender_told_once_per_held_post(msite):
    hold_one(msite, subject="first")
    hold_one(msite, subject="second")
    notices = waiting_notices(msite)
    assert len(notices) == 2, "each held post gets its own notice"
    assert '"first"' in text_of(notices[0])
    assert '"second"' in text_of(notices[1])
    # deciding sends no second waiting notice
    msite.ok("mod", "approve", "1")
    msite.run_once()
    assert len(waiting_notices(msite)) == 2


def test_waiting_notices_limited_per_day(msite):
    msite.set_setting("notify_sender_max", "2")
    for i in range(4):
        hold_one(msite, subject="flood %d" % i)
    assert held_ids(msite) == [1, 2, 3, 4], "every post is held"
    assert len(waiting_notices(msite)) == 2
    tomorrow = {"CONFER_NOW": "+%d" % 86400}
    msite.post(make_message(frm=POSTER, subject="next day"), sender=POSTER,
               env=tomorrow)
    rc, dec, err = msite.run_once(env=tomorrow)
    assert outcomes(dec) == ["held"], err
    assert len(waiting_notices(msite)) == 3


@pytest.mark.parametrize("headers,sender", [
    ([("List-Id", "other <other.example.net>")], POSTER),
    ([("Precedence", "list")], POSTER),
    ([], ""),
])
def test_no_waiting_notice_to_list_mail_or_null_sender(msite, headers, sender):
    msg = make_message(frm=POSTER, subject="from a list", headers=headers)
    msite.post(msg, sender=sender)
    rc, dec, err = msite.run_once()
    assert outcomes(dec) in (["held"], ["discarded"]), err
    assert [d for env, d in msite.deliveries() if env["mail_from"] == ""
            and "-moderate+" not in str(parse(d)["From"])] == []


# --- the moderator's answers go to From:, not to the envelope sender ------------

FORGER = "forger@example.net"


def test_confirmation_goes_to_from_not_envelope(msite):
    msg = hold_one(msite)
    addr, _ = mod_token(msite)
    dec, err = reply(msite, "gmail_alternative.eml", "", addr=addr,
                     sender=FORGER)
    assert outcomes(dec) == ["moderated"], err
    assert len(list_copies(msite, msgid_of(msg))) >= 1
    assert to(msite, FORGER) == [], "an answer went to the envelope sender"
    assert [raw for env, raw in to(msite, MOD) if "Approved" in text_of(raw)]
    # used again: "already decided" goes to From: too
    dec, err = reply(msite, "gmail_alternative.eml", "", addr=addr,
                     sender=FORGER)
    assert outcomes(dec) == ["answered"], err
    assert to(msite, FORGER) == []
    assert "already approved" in text_of(to(msite, MOD)[-1][1])


def test_expired_token_answer_goes_to_from(msite):
    hold_one(msite)
    addr, _ = mod_token(msite)
    later = {"CONFER_NOW": "+%d" % (15 * 86400)}
    dec, err = reply(msite, "thunderbird_fr_8bit.eml", "", addr=addr,
                     sender=FORGER, env=later)
    assert outcomes(dec) == ["refused"], err
    assert to(msite, FORGER) == []
    assert any("expired" in text_of(raw) for env, raw in to(msite, MOD))


# --- the list's language -----------------------------------------------------------

def test_french_list_texts(msite):
    msite.ok("list", "set", "network", "language", "fr")
    assert "language: fr" in msite.ok("list", "show", "network")
    msg = hold_one(msite, subject="Question")
    (env, raw), = to(msite, POSTER)
    assert "attend la décision d’un modérateur" in text_of(raw)
    assert parse(raw)["Subject"] == "Votre message à network attend un modérateur"
    env, note = notifications(msite, MOD)[-1]
    assert "Demande de modération" in text_of(note)
    assert "reject" in text_of(note) and "discard" in text_of(note)
    addr = token_address(note)
    assert addr.encode() in note, "the token address is whole"
    dec, err = reply(msite, "thunderbird_fr_8bit.eml", "", addr=addr)
    assert outcomes(dec) == ["moderated"], err
    assert len(list_copies(msite, msgid_of(msg))) >= 1
    assert any("Accepté" in text_of(raw) for env, raw in to(msite, MOD))


def test_spanish_list_rejection(msite):
    msite.ok("list", "set", "network", "language", "es")
    hold_one(msite)
    dec, err = reply(msite, "gmail_alternative.eml", "reject fuera de tema")
    assert outcomes(dec) == ["moderated"], err
    told = [raw for env, raw in to(msite, POSTER)
            if "no ha sido aceptado" in text_of(raw)]
    assert len(told) == 1 and "fuera de tema" in text_of(told[0])
    assert any("Rechazado" in text_of(raw) for env, raw in to(msite, MOD))


@pytest.mark.parametrize("lang,nonmember,newmember", [
    ("en", "Reason:  sender %s is not a member" % POSTER,
     "Reason:  a new member's post (1 of the first 2 are held)"),
    ("fr", "Motif :       l\u2019exp\u00e9diteur %s n\u2019est pas membre"
     % POSTER, "Motif :       message d\u2019un nouveau membre (le n\u00b0 1 "
     "; ses 2 premiers messages sont retenus)"),
    ("es", "Motivo:    el remitente %s no es miembro" % POSTER,
     "Motivo:    mensaje de un miembro nuevo (el n.\u00ba 1; sus 2 "
     "primeros mensajes quedan retenidos)")])
def test_reason_line_in_the_list_language(msite, lang, nonmember, newmember):
    """The moderators' note gives the reason in the list's language; the
    held row and the log keep it in English for the operator."""
    msite.ok("list", "set", "network", "language", lang)
    hold_one(msite)
    env, note = notifications(msite, MOD)[-1]
    # text_of joins the lines with single spaces
    norm = lambda t: " ".join(t.split())
    assert norm(nonmember) + " " in text_of(note), text_of(note)
    assert "sender %s is not a member" % POSTER in msite.ok("mod", "show", "1")
    msite.ok("list", "set", "network", "moderate_new_members", "2")
    msite.post(make_message(frm="alice@example.org", subject="hi"),
               sender="alice@example.org")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["held"], err
    env, note = notifications(msite, MOD)[-1]
    assert norm(newmember) + " " in text_of(note), text_of(note)
    assert "a new member's post (1 of the first 2 are held)" in err


def test_list_language_must_be_known(msite):
    rc, out, err = msite.confer("list", "set", "network", "language", "de")
    assert rc == 65 and "en|fr|es" in err


def test_site_template_per_language(msite):
    tdir = msite.dir / "templates" / "mail"
    tdir.mkdir(parents=True)
    (tdir / "held.fr.txt").write_text(
        "Subject: En attente : {subject}\n\nPatience, {list} !\n")
    (tdir / "held.txt").write_text("Please wait for {list}.\n")
    hold_one(msite, subject="one")
    (env, raw), = to(msite, POSTER)
    assert text_of(raw) == "Please wait for network."
    assert parse(raw)["Subject"] == "Message to network awaits a moderator"
    msite.ok("list", "set", "network", "language", "fr")
    hold_one(msite, subject="deux")
    env, raw = to(msite, POSTER)[-1]
    assert text_of(raw) == "Patience, network !"
    assert parse(raw)["Subject"] == "En attente : deux"


def test_exchange_out_of_office_decides_nothing(msite):
    """An Exchange out-of-office reply carries no RFC 3834 field; its
    subject and Exchange's rule marker show what it is."""
    msg = hold_one(msite)
    addr = token_address(notifications(msite, MOD)[0][1])
    oof = make_message(frm=MOD, to=addr,
                       subject="Automatic reply: [network] held post",
                       body="I am away until Monday.\n",
                       headers=[("X-Auto-Response-Suppress", "All")])
    msite.post(oof, addr, sender=MOD)
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["ignored"], err
    assert len(held_ids(msite)) == 1
    assert list_copies(msite, msgid_of(msg)) == []


def test_null_sender_reply_decides_nothing(msite):
    msg = hold_one(msite)
    addr = token_address(notifications(msite, MOD)[0][1])
    msite.post(make_message(frm=MOD, to=addr, body="discard\n"), addr,
               sender="")
    rc, dec, err = msite.run_once()
    assert outcomes(dec) == ["ignored"], err
    assert len(held_ids(msite)) == 1
