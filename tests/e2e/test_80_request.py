"""Self-service by mail (issue 3): LIST-request commands, double opt-in
through LIST-confirm+TOKEN, owner approval by reply, and robots that get
no answer."""

import email.utils

import pytest

from conftest import DOMAIN, make_message, parse
from modhelp import from_fixture, notifications, outcomes, text_of, to, token_address

REQ = "network-request@" + DOMAIN
OWNER = "owner@example.org"
NEWBIE = "newbie@example.com"


@pytest.fixture
def rsite(site):
    site.add_member("alice@example.org")
    site.add_member(OWNER, role="owner")
    return site


def request(site, body, frm=NEWBIE, subject="", sender=None, rcpt=REQ,
            headers=()):
    msg = make_message(frm=frm, to=rcpt, subject=subject, body=body,
                       headers=headers)
    site.post(msg, rcpt, sender=frm if sender is None else sender)
    rc, dec, err = site.run_once()
    assert rc == 0, err
    return dec, err


def confirmation(site, who=NEWBIE):
    msgs = [raw for env, raw in to(site, who)
            if "-confirm+" in str(parse(raw)["From"])]
    return token_address(msgs[-1]), msgs[-1]


def reply_fixture(site, fixture, frm, addr, text="yes"):
    site.post(from_fixture(fixture, frm, addr, text, subject="confirm"),
              addr, sender=frm)
    rc, dec, err = site.run_once()
    assert rc == 0, err
    return dec, err


def members(site, lst="network"):
    return site.members(lst)


def test_subscribe_confirm_owner_approves(rsite):
    dec, err = request(rsite, "subscribe\n\n-- \nNewbie\n")
    assert outcomes(dec) == ["answered"], err
    assert any("confirmation request was sent" in text_of(raw)
               for env, raw in to(rsite, NEWBIE))
    addr, raw = confirmation(rsite)
    assert addr.startswith("network-confirm+")
    assert NEWBIE not in members(rsite)
    dec, err = reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    assert outcomes(dec) == ["answered"], err
    assert NEWBIE not in members(rsite), "joined before the owner approved"
    (env, note), = notifications(rsite, OWNER)
    oaddr = token_address(note)
    assert NEWBIE in text_of(note)
    dec, err = reply_fixture(rsite, "outlook_html_only.eml", OWNER, oaddr, "")
    assert outcomes(dec) == ["moderated"], err
    assert NEWBIE in members(rsite)
    assert any("Welcome" in str(parse(raw)["Subject"])
               for env, raw in to(rsite, NEWBIE))
    assert "subscribe" in rsite.ok("log", "network")


def test_owner_rejects_subscription(rsite):
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    reply_fixture(rsite, "apple_html_only.eml", NEWBIE, addr)
    (env, note), = notifications(rsite, OWNER)
    dec, err = reply_fixture(rsite, "mutt_signed_bottom.eml", OWNER,
                             token_address(note), "reject not a member of staff")
    assert outcomes(dec) == ["moderated"], err
    assert NEWBIE not in members(rsite)
    assert any("not a member of staff" in text_of(raw)
               for env, raw in to(rsite, NEWBIE))


@pytest.mark.parametrize("lang,subject", [
    ("en", "Your request to join network has expired"),
    ("fr", "Votre demande d\u2019abonnement \u00e0 network a expir\u00e9")])
def test_subscription_owners_never_decided_expires_and_says_so(rsite, lang,
                                                              subject):
    """A confirmed subscription that waits hold_days (14) for the owners
    expires; the person who confirmed it is told once, in the list's
    language, and the owner's approval address no longer works."""
    rsite.ok("list", "set", "network", "language", lang)
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    (env, note), = notifications(rsite, OWNER)
    before = len(to(rsite, NEWBIE))
    rc, dec, err = rsite.run_once(env={"CONFER_NOW": "+%d" % (13 * 86400)})
    assert len(to(rsite, NEWBIE)) == before, "expired a day early"
    for k in (15, 16):
        rc, dec, err = rsite.run_once(env={"CONFER_NOW": "+%d" % (k * 86400)})
        assert rc == 0, err
    told = to(rsite, NEWBIE)[before:]
    assert len(told) == 1, "told %d times" % len(told)
    assert parse(told[0][1])["Subject"] == subject
    assert NEWBIE in text_of(told[0][1]) and "14" in text_of(told[0][1])
    assert "subscribe-expired" in rsite.ok("log", "network")
    # the owner's late approval changes nothing
    rsite.post(from_fixture("outlook_html_only.eml", OWNER, token_address(note),
                            "", subject="confirm"),
               token_address(note), sender=OWNER)
    rc, dec, err = rsite.run_once(env={"CONFER_NOW": "+%d" % (16 * 86400)})
    assert NEWBIE not in members(rsite)


def test_open_list_subscribe_and_unsubscribe(rsite):
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "", subject="subscribe")
    addr, raw = confirmation(rsite)
    dec, err = reply_fixture(rsite, "thunderbird_fr_8bit.eml", NEWBIE, addr)
    assert NEWBIE in members(rsite), err
    # owners are told of the join
    assert any(NEWBIE in text_of(raw) and "joined" in text_of(raw)
               for env, raw in to(rsite, OWNER))
    request(rsite, "unsubscribe\n")
    addr2, raw = confirmation(rsite)
    assert addr2 != addr
    assert NEWBIE in members(rsite)
    dec, err = reply_fixture(rsite, "outlook_de_plain.eml", NEWBIE, addr2)
    assert NEWBIE not in members(rsite), err
    assert any("left" in str(parse(raw)["Subject"])
               for env, raw in to(rsite, NEWBIE))


def test_confirmation_from_wrong_address_or_reused(rsite):
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    dec, err = reply_fixture(rsite, "gmail_alternative.eml",
                             "intruder@example.net", addr)
    assert outcomes(dec) == ["refused"], err
    assert NEWBIE not in members(rsite)
    assert "intruder@example.net" not in members(rsite)
    dec, err = reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    assert NEWBIE in members(rsite)
    rsite.ok("member", "remove", "network", NEWBIE)
    dec, err = reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    assert outcomes(dec) == ["refused"], err
    assert "already used" in dec[0]["reason"]
    assert NEWBIE not in members(rsite)


def test_subscribe_other_address_confirmed_by_that_address(rsite):
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "subscribe friend@example.com\n")
    addr, raw = confirmation(rsite, "friend@example.com")
    assert to(rsite, NEWBIE), "the asker is told where the request went"
    reply_fixture(rsite, "apple_html_only.eml", "friend@example.com", addr)
    assert "friend@example.com" in members(rsite)


def test_expired_confirmation(rsite):
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    later = {"CONFER_NOW": "+%d" % (4 * 86400)}
    rsite.post(from_fixture("gmail_alternative.eml", NEWBIE, addr, "ok"), addr,
               sender=NEWBIE, env=later)
    rc, dec, err = rsite.run_once(env=later)
    assert outcomes(dec) == ["refused"] and "expired" in dec[0]["reason"]
    assert NEWBIE not in members(rsite)


def test_closed_list_and_sub_list_rules(rsite):
    rsite.ok("list", "set", "network", "subscription_policy", "closed")
    request(rsite, "subscribe\n")
    assert any("closed" in text_of(raw) for env, raw in to(rsite, NEWBIE))
    rsite.ok("list", "create", "dev")
    rsite.ok("list", "set", "dev", "subscription_policy", "open")
    dec, err = request(rsite, "subscribe\n", rcpt="dev-request@" + DOMAIN)
    assert any("must first be a member of the network" in text_of(raw)
               for env, raw in to(rsite, NEWBIE))


def test_commands_stop_at_first_non_command(rsite):
    dec, err = request(rsite, "set nomail\nthanks!\nunsubscribe\n",
                       frm="alice@example.org")
    out = rsite.ok("member", "list", "network")
    assert [l for l in out.splitlines() if "alice" in l][0].split()[2] == \
        "nomail"
    assert to(rsite, "alice@example.org")
    assert not [raw for env, raw in to(rsite, "alice@example.org")
                if "-confirm+" in str(parse(raw)["From"])]


def test_who_only_for_owners(rsite):
    request(rsite, "who\n", frm="alice@example.org")
    (env, raw), = to(rsite, "alice@example.org")
    assert "only owners and moderators" in text_of(raw)
    request(rsite, "who\n", frm=OWNER)
    (env, raw), = to(rsite, OWNER)
    assert "alice@example.org" in text_of(raw)


def test_help_once_a_day(rsite):
    request(rsite, "hello, how do I join?\n")
    request(rsite, "and again?\n")
    got = to(rsite, NEWBIE)
    assert len(got) == 1
    assert "subscribe" in text_of(got[0][1])
    request(rsite, "help\n")
    assert len(to(rsite, NEWBIE)) == 2, "an explicit help is answered"


@pytest.mark.parametrize("headers,sender", [
    ([("Auto-Submitted", "auto-replied")], NEWBIE),
    ([("Precedence", "bulk")], NEWBIE),
    ([("Precedence", "junk")], NEWBIE),
    ([("Precedence", "list")], NEWBIE),
    ([("List-Id", "other <other.example.net>")], NEWBIE),
    ([], ""),
    ([], "MAILER-DAEMON@example.com"),
])
def test_robots_get_no_answer(rsite, headers, sender):
    dec, err = request(rsite, "subscribe\nhelp\n", headers=headers,
                       sender=sender)
    assert outcomes(dec) == ["ignored"], err
    assert rsite.deliveries() == []


def test_bounce_to_confirm_address_gets_no_answer(rsite):
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    n = len(rsite.deliveries())
    bounce = make_message(frm="MAILER-DAEMON@example.com", to=addr,
                          subject="Undelivered Mail Returned to Sender",
                          body="This is the mail system.\n",
                          headers=[("Auto-Submitted", "auto-replied")])
    rsite.post(bounce, addr, sender="")
    rc, dec, err = rsite.run_once()
    assert outcomes(dec) == ["ignored"], err
    assert len(rsite.deliveries()) == n


def test_welcome_template_can_be_changed(rsite):
    tdir = rsite.dir / "templates" / "mail"
    tdir.mkdir(parents=True)
    (tdir / "welcome.txt").write_text("Bienvenue sur {list}, {address} !\n")
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    assert any("Bienvenue sur network, %s !" % NEWBIE in text_of(raw)
               for env, raw in to(rsite, NEWBIE))


# --- a subscription that can no longer be completed ---------------------------

def dev_request(site):
    """NEWBIE, a network member, asks to join the sub-list dev and
    confirms; returns the owner's approval request."""
    site.add_member(NEWBIE)
    site.ok("list", "create", "dev")
    site.add_member(OWNER, "dev", role="owner")
    request(site, "subscribe\n", rcpt="dev-request@" + DOMAIN)
    addr, raw = confirmation(site)
    assert addr.startswith("dev-confirm+")
    return addr


def test_approved_subscription_that_cannot_complete_tells_person(rsite):
    addr = dev_request(rsite)
    reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    (env, note), = notifications(rsite, OWNER)
    rsite.ok("member", "remove", "network", NEWBIE)   # left meanwhile
    before = len(to(rsite, NEWBIE))
    dec, err = reply_fixture(rsite, "outlook_html_only.eml", OWNER,
                             token_address(note), "")
    assert outcomes(dec) == ["moderated"], err
    assert NEWBIE not in members(rsite, "dev")
    told = to(rsite, NEWBIE)[before:]
    assert len(told) == 1, "one clear message"
    text = text_of(told[0][1])
    assert "could not be completed" in text
    assert "no longer a member of the network list" in text
    assert not any("Welcome" in str(parse(raw)["Subject"])
                   for env, raw in told)
    owner_text = text_of(to(rsite, OWNER)[-1][1])
    assert "could not be completed" in owner_text and NEWBIE in owner_text


def test_confirmed_subscription_that_cannot_complete_tells_person(rsite):
    addr = dev_request(rsite)
    rsite.ok("list", "set", "dev", "subscription_policy", "open")
    rsite.ok("member", "remove", "network", NEWBIE)
    before = len(to(rsite, NEWBIE))
    dec, err = reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    assert outcomes(dec) == ["answered"], err
    assert "could not be completed" in dec[0]["reason"]
    told = to(rsite, NEWBIE)[before:]
    assert len(told) == 1
    assert "could not be completed" in text_of(told[0][1])
    assert NEWBIE not in members(rsite, "dev")


def test_owner_answer_goes_to_from_not_envelope(rsite):
    request(rsite, "subscribe\n")
    addr, raw = confirmation(rsite)
    reply_fixture(rsite, "gmail_alternative.eml", NEWBIE, addr)
    (env, note), = notifications(rsite, OWNER)
    forger = "forger@example.net"
    rsite.post(from_fixture("mutt_signed_bottom.eml", OWNER,
                            token_address(note), "", subject="confirm"),
               token_address(note), sender=forger)
    rc, dec, err = rsite.run_once()
    assert outcomes(dec) == ["moderated"], err
    assert NEWBIE in members(rsite)
    assert to(rsite, forger) == []
    assert any("Approved" in text_of(raw) for env, raw in to(rsite, OWNER))


# --- the list's language --------------------------------------------------------

@pytest.mark.parametrize("lang,words", [
    ("fr", ["Cette adresse reçoit les commandes", "s’abonner",
            "ne contenait aucune commande"]),
    ("es", ["Esta es la dirección de comandos", "suscribirse",
            "no contenía ningún comando"]),
])
def test_help_in_list_language(rsite, lang, words):
    rsite.ok("list", "set", "network", "language", lang)
    request(rsite, "hola / bonjour\n")
    (env, raw), = to(rsite, NEWBIE)
    for w in words:
        assert w in text_of(raw)


def test_french_subscription_round(rsite):
    rsite.ok("list", "set", "network", "language", "fr")
    rsite.ok("list", "set", "network", "subscription_policy", "open")
    request(rsite, "subscribe\n")
    msgs = to(rsite, NEWBIE)
    assert any("une demande de confirmation a été envoyée" in text_of(raw)
               for env, raw in msgs)
    addr, raw = confirmation(rsite)
    assert "Confirmation demandée" in str(parse(raw)["Subject"])
    assert addr.encode() in raw
    reply_fixture(rsite, "thunderbird_fr_8bit.eml", NEWBIE, addr)
    assert NEWBIE in members(rsite)
    assert any(str(parse(raw)["Subject"]) == "Bienvenue sur la liste network"
               for env, raw in to(rsite, NEWBIE))
    assert any("a rejoint la liste" in text_of(raw)
               for env, raw in to(rsite, OWNER))


def test_subscribe_requests_cannot_flood_a_third_party(rsite):
    """Anyone may ask for a confirmation to any address, so at most one
    goes out per list and day."""
    for i in range(3):
        rsite.post(make_message(frm="x@ext.example",
                                to="network-request@" + DOMAIN,
                                subject="subscribe victim@ext.example"),
                   "network-request@" + DOMAIN, sender="x@ext.example")
    rsite.run_once()
    to_victim = [m for env, m in rsite.deliveries()
                 if "victim@ext.example" in env["rcpt_tos"]]
    assert len(to_victim) == 1


def test_help_requests_are_capped(rsite):
    for i in range(25):
        rsite.post(make_message(frm="flood@evil.example",
                                to="network-request@" + DOMAIN,
                                subject="help"),
                   "network-request@" + DOMAIN, sender="flood@evil.example")
    rsite.run_once()
    answers = [m for env, m in rsite.deliveries()
               if "flood@evil.example" in env["rcpt_tos"]]
    assert 1 <= len(answers) <= 20
