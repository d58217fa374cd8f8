"""A post sent to two lists reaches each member once."""

from conftest import DOMAIN, make_message, msgid_of


def setup_lists(site):
    site.ok("list", "create", "health")
    for a in ("both@example.org", "netonly@example.org",
              "poster@example.org"):
        site.add_member(a)
    site.add_member("both@example.org", "health")
    site.add_member("poster@example.org", "health")


def copies(site):
    got = {}
    for env, raw in site.deliveries():
        for r in env["rcpt_tos"]:
            got.setdefault(r, []).append(msgid_of(raw))
    return got


def test_crosspost_in_one_delivery(site):
    setup_lists(site)
    msg = make_message(frm="poster@example.org",
                       to="network@%s, health@%s" % (DOMAIN, DOMAIN))
    site.post(msg, "network@" + DOMAIN, "health@" + DOMAIN)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted", "accepted"]
    got = copies(site)
    assert sorted(got) == ["both@example.org", "netonly@example.org",
                           "poster@example.org"]
    assert all(len(v) == 1 for v in got.values()), got


def test_crosspost_split_by_the_mta(site):
    setup_lists(site)
    msg = make_message(frm="poster@example.org")
    # the MTA delivers once per recipient, with its own trace field
    site.post(b"Delivered-To: health@lists.test\n" + msg, "health@" + DOMAIN)
    site.post(b"Delivered-To: network@lists.test\n" + msg,
              "network@" + DOMAIN)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted", "accepted"]
    got = copies(site)
    assert all(len(v) == 1 for v in got.values()), got
    assert sorted(got) == ["both@example.org", "netonly@example.org",
                           "poster@example.org"]
