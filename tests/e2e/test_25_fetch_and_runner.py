"""Maildir sources (`confer fetch`) and the long-running runner
(`confer run` until SIGTERM)."""

import os
import signal
import subprocess
import time

from conftest import (CONFER_BIN, DOMAIN, base_env, check_sanitizer,
                      make_message, msgid_of, run_confer)


def add_source(site, maildir):
    with open(site.conf, "a") as f:
        f.write('\nsources = ( { type = "maildir"; path = "%s"; '
                'recipient = "network@%s"; } );\n' % (maildir, DOMAIN))


def make_maildir(root, n, start=0):
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(start, start + n):
        raw = make_message(frm="Member <member@example.org>",
                           subject="fetched %d" % i)
        sub = "new" if i % 2 else "cur"
        name = "%d.M%dP1.host%s" % (1700000000 + i, i, ":2,S" if sub == "cur"
                                    else "")
        (root / sub / name).write_bytes(raw)
        ids.append(msgid_of(raw))
    return ids


def test_fetch_moves_every_message_once(site, tmp_path):
    md = tmp_path / "Maildir"
    ids = make_maildir(md, 6)
    (md / "tmp" / "being-written").write_bytes(b"Subject: half")
    add_source(site, md)
    site.add_member("member@example.org")
    out = site.ok("fetch")
    assert "fetched 6 messages" in out
    assert sorted(os.listdir(md / "new")) == []
    assert sorted(os.listdir(md / "cur")) == []
    # mail still being written by the MDA is left alone
    assert os.listdir(md / "tmp") == ["being-written"]
    assert len(site.incoming()) == 6
    rc, dec, err = site.run_once()
    assert rc == 0
    assert sorted(d["outcome"] for d in dec) == ["accepted"] * 6
    got = sorted(msgid_of(raw) for env, raw in site.deliveries())
    assert got == sorted(ids)


def test_two_fetches_at_once_take_each_message_once(site, tmp_path):
    md = tmp_path / "Maildir"
    make_maildir(md, 200)
    add_source(site, md)
    cmd = [CONFER_BIN, "-c", str(site.conf), "fetch"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=base_env())
             for _ in range(2)]
    total = 0
    for p in procs:
        out, err = p.communicate(timeout=300)
        check_sanitizer(cmd, err.decode())
        assert p.returncode == 0, err
        total += int(out.split()[1])
    assert total == 200
    assert len(site.incoming()) == 200
    assert os.listdir(md / "new") == [] and os.listdir(md / "cur") == []


def test_fetch_without_sources_is_a_configuration_error(site):
    rc, out, err = site.confer("fetch")
    assert rc == 78
    assert "no sources" in err


def test_runner_notices_new_mail_and_stops_on_sigterm(site):
    site.add_member("member@example.org")
    site.add_member("other@example.org")
    cmd = [CONFER_BIN, "-c", str(site.conf), "run"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=base_env())
    try:
        time.sleep(0.5)
        site.post(make_message(frm="member@example.org", subject="live"))
        deadline = time.time() + (10 if os.environ.get("CONFER_SANITIZED")
                                  else 3)
        while time.time() < deadline and len(site.deliveries()) < 1:
            time.sleep(0.05)
        assert len(site.deliveries()) == 1, "runner did not deliver in time"
        env, raw = site.deliveries()[0]
        assert sorted(env["rcpt_tos"]) == ["member@example.org",
                                           "other@example.org"]
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    check_sanitizer(cmd, err.decode())
    assert p.returncode == 0
    assert "runner: stopped" in err.decode()
