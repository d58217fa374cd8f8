"""`confer receive`: exit codes, line endings, the spool, concurrency,
crashes and a full disk."""

import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import (CONFER_BIN, DOMAIN, base_env, check_sanitizer,
                      make_message, msgid_of)


def spool_files(site):
    return site.incoming("new")


def spool_message(site, name):
    """(envelope lines, message bytes) of a spool file."""
    raw = (site.spool / "incoming" / "new" / name).read_bytes()
    head, sep, msg = raw.partition(b"\n\n")
    assert sep, "spool file without envelope end"
    return head.decode().split("\n"), msg


def assert_nothing_left(site):
    assert site.incoming("new") == [], "a file was left in incoming/new"
    assert site.incoming("tmp") == [], "a file was left in incoming/tmp"


# --- exit codes -----------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"",
    b"\n",
    b"\r\n\r\nbody only\r\n",
    b"this is not a mail message at all\n",
    b"\x00\x01\x02\xff\xfe binary junk \x00" * 20,
    b": no field name\n\nbody\n",
    b"From nobody Mon Jan  1 00:00:00 2024\n",
    b" Subject: leading space is a continuation\n\nx\n",
])
def test_not_a_message_exits_65(site, data):
    rc, out, err = site.receive(data)
    assert rc == 65, "rc=%d for %r: %s" % (rc, data[:40], err)
    assert_nothing_left(site)


@pytest.mark.parametrize("rcpt", [
    "nosuch@" + DOMAIN,
    "network@other.test",
    "nosuch-request@" + DOMAIN,
    "@" + DOMAIN,
])
def test_unknown_list_exits_67(site, rcpt):
    rc, out, err = site.receive(make_message(), rcpt)
    assert rc == 67, "rc=%d for %s: %s" % (rc, rcpt, err)
    assert_nothing_left(site)


def test_one_unknown_recipient_refuses_all(site):
    rc, out, err = site.receive(make_message(), "network@" + DOMAIN,
                                "nosuch@" + DOMAIN)
    assert rc == 67
    assert_nothing_left(site)


def test_hard_max_size_exits_69(site):
    site.set_setting("hard_max_size", "2048")
    small = make_message(body="x" * 500 + "\n")
    big = make_message(body=("y" * 70 + "\n") * 60)     # > 4 KiB
    assert len(small) < 2048 < len(big)
    rc, out, err = site.receive(big)
    assert rc == 69, "rc=%d: %s" % (rc, err)
    assert_nothing_left(site)
    rc, out, err = site.receive(small)
    assert rc == 0, err
    assert len(spool_files(site)) == 1


def test_no_recipient_is_usage_error(site):
    rc, out, err = site.confer("receive", input=make_message())
    assert rc == 64
    assert_nothing_left(site)


def test_unwritable_spool_exits_75(site):
    """incoming/tmp replaced by a plain file: no write can succeed, even
    as root."""
    tmp = site.spool / "incoming" / "tmp"
    shutil.rmtree(tmp)
    tmp.write_bytes(b"")
    try:
        rc, out, err = site.receive(make_message())
        assert rc == 75, "rc=%d: %s" % (rc, err)
        assert site.incoming("new") == []
    finally:
        tmp.unlink()
        tmp.mkdir()


def test_unpublishable_spool_exits_75_and_cleans_up(site):
    """incoming/new missing: the temporary file must not stay behind."""
    new = site.spool / "incoming" / "new"
    shutil.rmtree(new)
    new.write_bytes(b"")
    try:
        rc, out, err = site.receive(make_message())
        assert rc == 75, "rc=%d: %s" % (rc, err)
        assert site.incoming("tmp") == [], "temporary file left behind"
    finally:
        new.unlink()
        new.mkdir()


def test_read_only_spool_exits_75(site):
    """A spool confer may not write to makes the MTA retry.  As root,
    permissions do not stop writes, so the folder is made a read-only
    bind mount instead."""
    import subprocess
    tmp = site.spool / "incoming" / "tmp"
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(tmp), str(tmp)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(tmp)],
                       check=True)
    else:
        os.chmod(tmp, 0o500)
    try:
        rc, out, err = site.receive(make_message())
        assert rc == 75, err
        assert site.incoming("new") == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(tmp)], check=True)
        else:
            os.chmod(tmp, 0o2770)


def test_broken_config_exits_75(site):
    site.conf.write_text("this is { not libconfig\n")
    rc, out, err = site.receive(make_message())
    assert rc == 75, "a broken configuration must make the MTA retry"


# --- what is stored ---------------------------------------------------------

def test_envelope_and_message_in_spool(site):
    msg = make_message(subject="stored", eol="\n")
    rc, out, err = site.receive(msg, "network@" + DOMAIN,
                                sender="Bob@Example.org")
    assert rc == 0, err
    (name,) = spool_files(site)
    env, body = spool_message(site, name)
    assert env[0] == "confer-spool 1"
    assert "sender Bob@Example.org" in env
    assert "recipient network@%s" % DOMAIN in env
    assert body == msg.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings_accepted_and_delivered(site, eol):
    site.add_member("alice@example.org")
    site.add_member("bob@example.org")
    msg = make_message(subject="eol test", body="line one\nline two\n",
                       eol=eol)
    site.post(msg)
    (name,) = spool_files(site)
    env, body = spool_message(site, name)
    assert b"\r\n" in body and b"\r\r" not in body
    assert body.count(b"\r") == body.count(b"\r\n"), "bare CR left"
    assert body.count(b"\n") == body.count(b"\r\n"), "bare LF left"
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    copies = site.deliveries()
    assert len(copies) == 1
    assert sorted(copies[0][0]["rcpt_tos"]) == ["alice@example.org",
                                                "bob@example.org"]
    raw = copies[0][1]
    assert b"line one\r\nline two\r\n" in raw
    assert b"Subject: [network] eol test" in raw


def test_mbox_from_line_dropped(site):
    site.add_member("alice@example.org")
    msg = make_message(subject="from line")
    data = b"From alice@example.org Mon Jan  1 00:00:00 2024\n" + msg
    site.post(data)
    (name,) = spool_files(site)
    env, body = spool_message(site, name)
    assert body.startswith(b"From: "), body[:60]
    assert not body.startswith(b"From alice")
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err


def test_envelope_from_environment(site):
    msg = make_message()
    rc, out, err = site.confer("receive", input=msg, env={
        "SENDER": "env-sender@example.org",
        "RECIPIENT": "nosuch@" + DOMAIN,
        "ORIGINAL_RECIPIENT": "network@" + DOMAIN})
    assert rc == 0, "ORIGINAL_RECIPIENT must win over RECIPIENT: %s" % err
    (name,) = spool_files(site)
    env, body = spool_message(site, name)
    assert "sender env-sender@example.org" in env
    assert "recipient network@%s" % DOMAIN in env
    rc, out, err = site.confer("receive", input=msg, env={
        "SENDER": "", "RECIPIENT": "network@" + DOMAIN})
    assert rc == 0, err
    assert len(spool_files(site)) == 2


@pytest.mark.parametrize("null", ["", "<>"])
def test_null_sender(site, null):
    rc, out, err = site.receive(make_message(), sender=null)
    assert rc == 0, err
    (name,) = spool_files(site)
    env, body = spool_message(site, name)
    assert env[1] == "sender " or env[1] == "sender", env


def test_recipient_case_and_subaddress(site):
    site.ok("list", "create", "dev")
    for rcpt in ("Network@LISTS.TEST", "dev-request@" + DOMAIN,
                 "network-confirm+abc123@" + DOMAIN,
                 "dev-moderate+tok@" + DOMAIN, "network-bounces@" + DOMAIN,
                 "dev-owner@" + DOMAIN):
        rc, out, err = site.receive(make_message(to=rcpt), rcpt)
        assert rc == 0, "%s: rc=%d %s" % (rcpt, rc, err)
    assert len(spool_files(site)) == 6


# --- concurrency -------------------------------------------------------------

def test_50_concurrent_receives_lose_nothing(site):
    site.add_member("alice@example.org")
    msgs = [make_message(subject="concurrent %02d" % i,
                         msgid="<conc-%02d@example.org>" % i)
            for i in range(50)]
    results = [None] * 50
    start = threading.Barrier(50)

    def one(i):
        start.wait()
        p = subprocess.run([CONFER_BIN, "-c", str(site.conf), "receive",
                            "--sender", "poster%02d@example.org" % i,
                            "network@" + DOMAIN], input=msgs[i],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=base_env(), timeout=300)
        results[i] = (p.returncode, p.stderr.decode("utf-8", "replace"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (rc, err) in enumerate(results):
        check_sanitizer(["receive"], err)
        assert rc == 0, "receive %d: rc=%d %s" % (i, rc, err)
    names = spool_files(site)
    assert len(names) == 50, "%d spool files for 50 receives" % len(names)
    assert len(set(names)) == 50
    got = sorted(msgid_of(spool_message(site, n)[1]) for n in names)
    assert got == sorted("conc-%02d@example.org" % i for i in range(50))
    rc, dec, err = site.run_once()
    assert len(dec) == 50, "%d decisions for 50 messages" % len(dec)
    assert {d["outcome"] for d in dec} == {"accepted"}
    assert len({d["reason"] for d in dec}) == 50
    assert site.incoming("new") == []
    assert len(site.threads()) == 50
    copies = site.deliveries()
    assert sorted(msgid_of(raw) for env, raw in copies) == got


# --- crashes -------------------------------------------------------------------

def _start_receive(site):
    return subprocess.Popen([CONFER_BIN, "-c", str(site.conf), "receive",
                             "--sender", "slow@example.org",
                             "network@" + DOMAIN],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=base_env())


def test_sigkill_while_reading_leaves_nothing(site):
    msg = make_message(body=("z" * 70 + "\n") * 2000)
    p = _start_receive(site)
    half = len(msg) // 2
    for i in range(0, half, 4096):
        p.stdin.write(msg[i:min(i + 4096, half)])
        p.stdin.flush()
        time.sleep(0.002)
    time.sleep(0.3)
    assert p.poll() is None, "receive ended before its input did"
    p.kill()
    p.wait()
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    check_sanitizer(["receive"], p.stderr.read().decode("utf-8", "replace"))
    p.stderr.close()
    assert p.returncode == -signal.SIGKILL
    assert site.incoming("new") == [], "partial message visible in new/"


def test_sigkill_during_write_never_shows_partial_message(site):
    """Kill receive at growing delays after its input is complete: any file
    in incoming/new must be the whole message."""
    msg = make_message(subject="big", body=("w" * 76 + "\n") * 60000)  # ~4.6MB
    full = msg.replace(b"\n", b"\r\n")
    delays = [0.0, 0.005, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.25, 0.4]
    for delay in delays:
        p = _start_receive(site)
        try:
            p.stdin.write(msg)
            p.stdin.close()
        except BrokenPipeError:
            pass
        time.sleep(delay)
        p.kill()
        p.wait()
        check_sanitizer(["receive"],
                        p.stderr.read().decode("utf-8", "replace"))
        p.stderr.close()
        for name in site.incoming("new"):
            env, body = spool_message(site, name)
            assert body == full, ("partial message (%d of %d bytes) visible "
                                  "in incoming/new after SIGKILL at %.3fs"
                                  % (len(body), len(full), delay))
    # the runner must not pick up leftovers of incoming/tmp
    n_new = len(site.incoming("new"))
    site.add_member("alice@example.org")
    rc, dec, err = site.run_once()
    assert len(dec) == n_new
    assert site.incoming("new") == []


# --- a full file system ----------------------------------------------------------

@pytest.fixture
def tiny_spool(site):
    """Mounts a 64 KiB tmpfs over the site's spool."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (euid %d)" % os.geteuid())
    if not shutil.which("mount"):
        pytest.skip("no mount command")
    spool = site.spool
    shutil.rmtree(spool)
    spool.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                        str(spool)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        pytest.skip("cannot mount a tmpfs: %s" % p.stdout.decode().strip())
    try:
        for sub in ("incoming/tmp", "incoming/new", "bad", "kept",
                    "outgoing"):
            (spool / sub).mkdir(parents=True)
        yield spool
    finally:
        r = subprocess.run(["umount", str(spool)])
        if r.returncode != 0:
            subprocess.run(["umount", "-l", str(spool)])


def _fill(path):
    """Fills the file system of path with one-page files; returns them."""
    fillers = []
    for i in range(10000):
        f = path / ("filler-%04d" % i)
        fd = os.open(f, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"\0" * 4096)
        except OSError:
            os.close(fd)
            os.unlink(f)
            break
        os.close(fd)
        fillers.append(f)
    return fillers


def test_full_disk_exits_75_and_leaves_nothing(site, tiny_spool):
    msg = make_message(body=("q" * 70 + "\n") * 200)   # ~14 KB
    fillers = _fill(tiny_spool)
    assert os.statvfs(tiny_spool).f_bavail == 0
    rc, out, err = site.receive(msg)
    assert rc == 75, "full spool: rc=%d %s" % (rc, err)
    assert_nothing_left(site)
    # some room, but not enough: the write fails half way
    fillers.pop().unlink()
    fillers.pop().unlink()
    free = os.statvfs(tiny_spool).f_bavail * os.statvfs(tiny_spool).f_frsize
    assert 0 < free < len(msg), free
    rc, out, err = site.receive(msg)
    assert rc == 75, "nearly full spool: rc=%d %s" % (rc, err)
    assert_nothing_left(site)
    # with room again it works
    for f in fillers:
        if f.exists():
            f.unlink()
    rc, out, err = site.receive(msg)
    assert rc == 0, err
    assert len(site.incoming("new")) == 1
