"""Delivery to the relay: batches, temporary and permanent failures,
retries, the file transport."""

import collections
import re

from conftest import (DOMAIN, SmtpServer, Site, free_port, init_site,
                      make_message, msgid_of, read_deliveries)

MEMBERS = ["m%d@example.org" % i for i in range(1, 6)]
BOUNCES = "network-bounces@" + DOMAIN


def rcpt_counts(deliveries, msgid=None):
    c = collections.Counter()
    for env, raw in deliveries:
        if msgid is None or msgid_of(raw) == msgid:
            c.update(r.lower() for r in env["rcpt_tos"])
    return c


def setup_members(site, members=MEMBERS):
    for m in members:
        site.add_member(m)


def post_one(site, subject="delivery test"):
    msg = make_message(frm="M One <m1@example.org>", subject=subject)
    site.post(msg)
    return msgid_of(msg)


def test_batches_reach_every_member_once(site):
    site.set_setting("batch_size", "2")
    setup_members(site)
    mid = post_one(site)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    got = site.deliveries()
    assert len(got) == 3, "5 members in batches of 2: %d transactions" % len(got)
    assert all(len(env["rcpt_tos"]) <= 2 for env, raw in got)
    assert rcpt_counts(got, mid) == {m: 1 for m in MEMBERS}
    assert {env["mail_from"] for env, raw in got} == {BOUNCES}
    assert len({raw for env, raw in got}) == 1, "batches got different copies"
    lines, n = site.queue_lines()
    assert n == 0
    # nothing is sent twice
    site.run_once()
    assert len(site.deliveries()) == 3


def _relay_down_then_up(site, bring_up, env_run=None):
    """Posts while the relay fails; checks the queue; brings the relay back
    with bring_up(); queue retry + run --once; returns the message id."""
    setup_members(site)
    mid = post_one(site)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    lines, n = site.queue_lines()
    assert n == len(MEMBERS), "queue:\n" + "\n".join(lines)
    for m in MEMBERS:
        assert any(line.startswith(m + " ") for line in lines), m
    assert all("tries 1" in line for line in lines), lines
    # each with why: the relay's reply, or why there was none
    assert all(re.search(r" last (0 relay 127\.0\.0\.1:\d+: |4\d\d )\S",
                         line) for line in lines), lines
    # a second run before the retry time does nothing
    site.run_once()
    lines2, n2 = site.queue_lines()
    assert n2 == len(MEMBERS)
    assert all("tries 1" in line for line in lines2), "retried too early"
    outdir = bring_up()
    # back up, but not yet due: still nothing
    site.run_once()
    assert read_deliveries(outdir) == [], "delivered before its retry time"
    out = site.ok("queue", "retry")
    assert str(len(MEMBERS)) in out
    rc, dec, err = site.run_once()
    got = read_deliveries(outdir)
    assert rcpt_counts(got, mid) == {m: 1 for m in MEMBERS}, err
    assert {env["mail_from"] for env, raw in got} == {BOUNCES}
    lines, n = site.queue_lines()
    assert n == 0, lines
    site.ok("queue", "retry")
    site.run_once()
    assert rcpt_counts(read_deliveries(outdir), mid) == {m: 1 for m in MEMBERS}
    return mid


def test_relay_connection_refused_then_back(tmp_path):
    port = free_port()
    init_site(tmp_path / "site", relay="127.0.0.1:%d" % port)
    site = Site(tmp_path / "site")
    servers = []

    def bring_up():
        srv = SmtpServer(str(tmp_path / "out"), port=port)
        srv.start()
        servers.append(srv)
        return srv.outdir

    try:
        _relay_down_then_up(site, bring_up)
    finally:
        for s in servers:
            s.stop()


def test_relay_tempfail_all_then_back(site):
    site.smtpd.tempfail_all(True)

    def bring_up():
        assert site.deliveries() == []
        site.smtpd.clear_rules()
        return site.outdir

    _relay_down_then_up(site, bring_up)


def test_retry_time_passes_without_queue_retry(site):
    site.smtpd.tempfail_all(True)
    setup_members(site)
    mid = post_one(site)
    site.run_once()
    assert site.queue_lines()[1] == len(MEMBERS)
    site.smtpd.clear_rules()
    site.run_once(env={"CONFER_NOW": "+3600"})
    assert rcpt_counts(site.deliveries(), mid) == {m: 1 for m in MEMBERS}
    assert site.queue_lines()[1] == 0


def test_permanent_failure_of_one_recipient(site):
    site.smtpd.reject(r"^m3@", 550)
    setup_members(site)
    mid = post_one(site)
    rc, dec, err = site.run_once()
    others = {m: 1 for m in MEMBERS if m != "m3@example.org"}
    assert rcpt_counts(site.deliveries(), mid) == others
    lines, n = site.queue_lines()
    assert n == 0, "a 5xx recipient must not wait: %s" % lines
    assert "m3@example.org" in err and "failed" in err
    # `queue failed` shows it, with the relay's answer, for 7 days
    out = site.ok("queue", "failed").splitlines()
    assert out[-1] == "1 deliveries failed in the last 7 days", out
    assert out[0].startswith("m3@example.org  from <") and " 550 " in out[0]
    later = {"CONFER_NOW": "+%d" % (8 * 86400)}
    assert site.ok("queue", "failed", env=later).splitlines() == [
        "0 deliveries failed in the last 7 days"]
    out = site.ok("queue", "failed", "--days", "10", env=later)
    assert out.splitlines()[-1] == "1 deliveries failed in the last 10 days"
    for bad in (["failed", "--days"], ["failed", "--days", "x"],
                ["retry", "--days", "3"], ["--days", "3"], ["failed", "x"]):
        rc, out, err = site.confer("queue", *bad)
        assert rc == 64 and "usage: confer queue" in err, bad
    site.smtpd.clear_rules()
    site.ok("queue", "retry")
    site.run_once(env={"CONFER_NOW": "+86400"})
    assert rcpt_counts(site.deliveries(), mid) == others


def test_temporary_failure_of_one_recipient(site):
    site.smtpd.reject(r"^m2@", 451)
    setup_members(site)
    mid = post_one(site)
    site.run_once()
    assert rcpt_counts(site.deliveries(), mid) == {
        m: 1 for m in MEMBERS if m != "m2@example.org"}
    lines, n = site.queue_lines()
    assert n == 1 and lines[0].startswith("m2@example.org "), lines
    assert "451" in lines[0]
    site.smtpd.clear_rules()
    site.ok("queue", "retry")
    site.run_once()
    assert rcpt_counts(site.deliveries(), mid) == {m: 1 for m in MEMBERS}
    assert site.queue_lines()[1] == 0


def test_give_up_after_too_long(site):
    site.smtpd.tempfail_all(True)
    setup_members(site)
    post_one(site)
    site.run_once()
    assert site.queue_lines()[1] == len(MEMBERS)
    site.ok("queue", "retry")
    rc, dec, err = site.run_once(env={"CONFER_NOW": "+%d" % (6 * 86400)})
    lines, n = site.queue_lines()
    assert n == 0, "still waiting after 6 days: %s" % lines
    out = site.ok("queue", "failed", env={"CONFER_NOW": "+%d" % (6 * 86400)})
    assert out.splitlines()[-1] == ("%d deliveries failed in the last 7 "
                                    "days" % len(MEMBERS)), out
    assert all("gave up after 6 days; last answer: 4.3.0 relay trouble" in l
               for l in out.splitlines()[:-1]), out
    site.smtpd.clear_rules()
    site.run_once(env={"CONFER_NOW": "+%d" % (7 * 86400)})
    assert site.deliveries() == []


def test_file_transport(tmp_path):
    init_site(tmp_path / "site", transport="file")
    site = Site(tmp_path / "site")
    setup_members(site)
    msg = make_message(frm="m1@example.org", subject="to the outbox")
    site.post(msg)
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    files = sorted(site.outbox.glob("*.eml"))
    assert len(files) == len(MEMBERS)
    seen = collections.Counter()
    for f in files:
        raw = f.read_bytes()
        assert raw.startswith(b"Return-Path: <%s>\r\n" % BOUNCES.encode())
        to = raw.split(b"\r\n")[1]
        assert to.startswith(b"Delivered-To: ")
        seen[to[len(b"Delivered-To: "):].decode()] += 1
        assert msgid_of(raw) == msgid_of(msg)
        assert b"Subject: [network] to the outbox" in raw
    assert seen == {m: 1 for m in MEMBERS}
    assert site.queue_lines()[1] == 0


def test_run_daemon_delivers_and_stops_on_sigterm(site):
    import signal
    import subprocess
    import time
    from conftest import CONFER_BIN, base_env, check_sanitizer
    setup_members(site)
    p = subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "run"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=base_env())
    try:
        mid = post_one(site, subject="while running")
        deadline = time.time() + 30
        while time.time() < deadline:
            if sum(rcpt_counts(site.deliveries(), mid).values()) >= 5:
                break
            time.sleep(0.2)
        assert rcpt_counts(site.deliveries(), mid) == {m: 1 for m in MEMBERS}
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = err.decode("utf-8", "replace")
    check_sanitizer(["run"], err)
    assert p.returncode == 0, err
    assert "decision:" in err


def test_silent_relay_is_tried_once_per_pass(tmp_path):
    """A relay that accepts connections and never answers costs one
    timeout per pass, not one per batch; nothing is lost."""
    import socket
    from conftest import Site, init_site
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    port = lsock.getsockname()[1]
    try:
        d = tmp_path / "silent"
        init_site(d, relay="127.0.0.1:%d" % port)
        s = Site(d)
        s.set_setting("timeout", "1")
        s.set_setting("batch_size", "3")
        for i in range(12):
            s.add_member("m%02d@example.org" % i)
        s.post(make_message(frm="m00@example.org"), sender="m00@example.org")
        rc, dec, err = s.run_once()
        assert [x["outcome"] for x in dec] == ["accepted"]
        assert err.count("timed out") == 1, err
        lines, waiting = s.queue_lines()
        assert waiting == 12
    finally:
        lsock.close()


def test_envelope_is_kept_with_the_message(site):
    import sqlite3
    site.add_member("alice@example.org")
    site.post(make_message(frm="alice@example.org", msgid="<env-1@x.org>"),
              "NETWORK@" + DOMAIN, sender="bounce-123@mail.example.org")
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"]
    con = sqlite3.connect(str(site.dir / "confer.db"))
    row = con.execute("SELECT env_sender, env_rcpt, received FROM messages "
                      "WHERE message_id = 'env-1@x.org'").fetchone()
    con.close()
    assert row[0] == "bounce-123@mail.example.org"
    assert row[1] == "NETWORK@" + DOMAIN
    assert row[2] > 0


def test_delivered_copies_leave_the_outgoing_spool(site):
    site.add_member("alice@example.org")
    site.add_member("bob@example.org")
    site.post(make_message(frm="alice@example.org"), sender="alice@example.org")
    site.run_once()
    assert len(site.deliveries()) == 1
    assert list((site.spool / "outgoing").iterdir()) == []
