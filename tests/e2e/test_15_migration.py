"""A database of an older schema version is migrated forward on start,
and nothing in it is lost."""

import pathlib
import shutil
import sqlite3

from conftest import DOMAIN, init_site, make_message, msgid_of

FIX = pathlib.Path(__file__).parent / "fixtures" / "schema-v1"


def schema_version(db):
    con = sqlite3.connect(str(db))
    try:
        return int(con.execute("SELECT value FROM meta WHERE key = "
                               "'schema_version'").fetchone()[0])
    finally:
        con.close()


def load_v1(site):
    for p in site.dir.glob("confer.db*"):
        p.unlink()
    con = sqlite3.connect(str(site.dir / "confer.db"))
    con.executescript((FIX / "confer-v1.sql").read_text())
    con.close()
    store = site.dir / "store" / "network" / "2026-12"
    store.mkdir(parents=True)
    shutil.copy(FIX / "u6qlh2ple64m77ac.eml", store)


def test_v1_database_migrates_forward(site, tmp_path):
    fresh = tmp_path / "fresh"
    init_site(fresh)
    current = schema_version(fresh / "confer.db")
    assert current > 1
    load_v1(site)
    assert schema_version(site.dir / "confer.db") == 1
    out = site.ok("lists")
    assert "network" in out and "health" in out
    assert schema_version(site.dir / "confer.db") == current
    assert site.members("network") == ["alice@example.org",
                                       "bob@example.org"]
    assert site.members("health") == ["alice@example.org"]
    threads = site.threads("network")
    assert [t["messages"] for t in threads] == [["old-1@example.org"]]
    # the migrated site still works: a member's post reaches both members
    raw = make_message(frm="Alice <alice@example.org>", subject="after")
    site.post(raw, sender="alice@example.org")
    rc, dec, err = site.run_once()
    assert rc == 0 and [d["outcome"] for d in dec] == ["accepted"], err
    got = sorted(r for env, m in site.deliveries() for r in env["rcpt_tos"]
                 if msgid_of(m) == msgid_of(raw))
    assert got == ["alice@example.org", "bob@example.org"]
    assert (site.archive / "network" / "msg" /
            "u6qlh2ple64m77ac.html").exists()


def test_newer_database_is_refused(site):
    con = sqlite3.connect(str(site.dir / "confer.db"))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    rc, out, err = site.confer("lists")
    assert rc != 0
    assert "newer than this confer" in err
