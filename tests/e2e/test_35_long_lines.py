"""Lines longer than SMTP allows (998 octets) are re-encoded in the list
copy, so that relays accept it and members read the same text."""

from conftest import make_message, parse, msgid_of


def test_long_body_line_is_reencoded(site):
    site.add_member("amina@example.org")
    site.add_member("bob@example.org")
    body = "start\n" + ("y" * 1200) + " end\n" + ("é" * 700) + "\n"
    raw = make_message(frm="amina@example.org", body=body)
    site.post(raw, sender="amina@example.org")
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    got = site.deliveries()
    assert sorted(r for env, m in got for r in env["rcpt_tos"]) == [
        "amina@example.org", "bob@example.org"]
    for env, m in got:
        assert max(len(line) for line in m.split(b"\r\n")) <= 998
        msg = parse(m)
        assert msg["Content-Transfer-Encoding"] == "quoted-printable"
        assert msg.get_content().replace("\r\n", "\n") == body
        assert msgid_of(m) == msgid_of(raw)


def test_long_line_in_a_multipart_part(site):
    site.add_member("amina@example.org")
    long = "z" * 2000
    raw = ("From: amina@example.org\nTo: network@lists.test\n"
           "Subject: parts\nMessage-ID: <mp-long@example.org>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain\n\nshort\n"
           "--b1\nContent-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: 8bit\n\n" + long + "\n"
           "--b1--\n").encode()
    site.post(raw, sender="amina@example.org")
    rc, dec, err = site.run_once()
    assert [d["outcome"] for d in dec] == ["accepted"], err
    (env, m), = site.deliveries()
    assert max(len(line) for line in m.split(b"\r\n")) <= 998
    parts = [p for p in parse(m).walk() if not p.is_multipart()]
    assert parts[0].get_content() == "short"
    assert parts[1].get_content() == long
    assert parts[1]["Content-Transfer-Encoding"] == "quoted-printable"


def test_long_header_is_folded(site):
    site.add_member("amina@example.org")
    words = " ".join("word%d" % i for i in range(300))
    raw = make_message(frm="amina@example.org", subject=words)
    site.post(raw, sender="amina@example.org")
    rc, dec, err = site.run_once()
    (env, m), = site.deliveries()
    assert max(len(line) for line in m.split(b"\r\n")) <= 998
    assert str(parse(m)["Subject"]).endswith("word299")
