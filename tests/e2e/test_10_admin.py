"""Administrative commands: init, list, lists, member."""

import re

import pytest

from conftest import BASE_URL, DOMAIN, init_site, run_confer


def list_names(site):
    out = site.ok("lists")
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def tree(site):
    """`lists` as [(depth, name, members)]."""
    rows = []
    for line in site.ok("lists").splitlines():
        if not line.strip():
            continue
        m = re.match(r"^( *)(\S+)\s+(\d+) members?\b", line)
        assert m, "unexpected `lists` line: %r" % line
        rows.append((len(m.group(1)) // 2, m.group(2), int(m.group(3))))
    return rows


# --- init ---------------------------------------------------------------

def test_init_makes_a_site(site):
    for sub in ("confer.conf", "confer.db", "spool", "store", "archive",
                "outbox", "templates"):
        assert (site.dir / sub).exists(), sub
    conf = site.conf.read_text()
    assert re.search(r'domain\s*=\s*"%s"' % re.escape(DOMAIN), conf)
    assert re.search(r"relay_port\s*=\s*%d;" % site.smtpd.port, conf)
    assert BASE_URL in conf
    assert list_names(site) == ["network"]
    show = site.ok("list", "show", "network")
    assert "<network.%s>" % DOMAIN in show


def test_init_refuses_non_empty_dir(tmp_path):
    d = tmp_path / "full"
    d.mkdir()
    (d / "precious.txt").write_text("keep me\n")
    rc, out, err = run_confer("init", d, "--domain", DOMAIN)
    assert rc != 0
    assert err.strip(), "refusal without a message"
    assert sorted(p.name for p in d.iterdir()) == ["precious.txt"]
    assert (d / "precious.txt").read_text() == "keep me\n"


def test_init_refuses_existing_site(site):
    before = site.conf.read_bytes()
    rc, out, err = run_confer("init", site.dir, "--domain", "other.test")
    assert rc != 0
    assert site.conf.read_bytes() == before


def test_init_file_transport_and_env_config(tmp_path):
    d = tmp_path / "s"
    init_site(d, transport="file")
    assert re.search(r'transport\s*=\s*"file"', (d / "confer.conf").read_text())
    # the configuration can also come from CONFER_CONFIG
    rc, out, err = run_confer("lists", env={"CONFER_CONFIG": d / "confer.conf"})
    assert rc == 0, err
    assert out.split()[0] == "network"


@pytest.mark.parametrize("args", [
    ["init"],
    ["init", "DIR"],                       # no --domain
    ["init", "DIR", "--domain", "x.test", "--transport", "pigeon"],
    ["init", "DIR", "--domain", "x.test", "--relay", "host:notaport"],
])
def test_init_usage_errors(tmp_path, args):
    args = [str(tmp_path / "new") if a == "DIR" else a for a in args]
    rc, out, err = run_confer(*args)
    assert rc != 0
    assert not (tmp_path / "new" / "confer.conf").exists()


def test_help_for_every_command():
    rc, out, err = run_confer("--help")
    assert rc == 0
    for cmd in ("init", "lists", "list", "member", "receive", "run", "queue",
                "threads", "import"):
        assert re.search(r"^\s+%s\b" % cmd, out, re.M), cmd
        rc, out2, err2 = run_confer(cmd, "--help")
        assert rc == 0, (cmd, err2)
        assert "usage: confer %s" % cmd in out2


def test_unknown_command():
    rc, out, err = run_confer("frobnicate")
    assert rc == 64
    assert "frobnicate" in err


# --- lists ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["dev", "a", "a.b-c9", "x" * 24,
                                  "0day", "request", "owner-list"])
def test_list_name_accepted(site, name):
    site.ok("list", "create", name)
    assert name in list_names(site)
    show = site.ok("list", "show", name)
    assert re.search(r"^parent: network$", show, re.M), show
    assert "<%s.%s>" % (name, DOMAIN) in show


@pytest.mark.parametrize("name", [
    "Dev", "DEV", "dev_team", "dev team", "x" * 25, "-dev", ".dev", "dev.",
    "a..b", "dév", "dev/x", "dev@x",
])
def test_list_name_invalid(site, name):
    rc, out, err = site.confer("list", "create", name)
    assert rc != 0, "list name %r accepted" % name
    assert err.strip()
    assert list_names(site) == ["network"]


def test_list_name_empty(site):
    rc, out, err = site.confer("list", "create", "")
    assert rc != 0
    assert list_names(site) == ["network"]


@pytest.mark.parametrize("suffix", ["-request", "-owner", "-bounces",
                                    "-confirm", "-moderate", "-join",
                                    "-leave"])
def test_list_name_reserved_suffix(site, suffix):
    rc, out, err = site.confer("list", "create", "dev" + suffix)
    assert rc != 0
    assert "reserved" in err or suffix in err, err
    assert list_names(site) == ["network"]


@pytest.mark.parametrize("name", ["postmaster", "abuse", "hostmaster",
                                  "webmaster", "noc", "security",
                                  "mailer-daemon"])
def test_list_name_rfc2142(site, name):
    rc, out, err = site.confer("list", "create", name)
    assert rc != 0
    assert err.strip()
    assert list_names(site) == ["network"]


def test_list_create_twice_and_bad_parent(site):
    site.ok("list", "create", "dev", "--description", "Developers")
    rc, out, err = site.confer("list", "create", "dev")
    assert rc != 0 and "exists" in err
    rc, out, err = site.confer("list", "create", "ops", "--parent", "nosuch")
    assert rc != 0 and "nosuch" in err
    assert sorted(list_names(site)) == ["dev", "network"]
    show = site.ok("list", "show", "dev")
    assert re.search(r"^description: Developers$", show, re.M)
    assert re.search(r"^address: dev@%s$" % re.escape(DOMAIN), show, re.M)


def test_list_show_unknown(site):
    rc, out, err = site.confer("list", "show", "nosuch")
    assert rc == 67
    assert "nosuch" in err


def test_lists_tree_with_counts(site):
    site.ok("list", "create", "dev", "--description", "Developers")
    site.ok("list", "create", "ops")
    site.ok("list", "create", "dev.core", "--parent", "dev")
    for a in ("a@example.org", "b@example.org", "c@example.org"):
        site.add_member(a)
    site.add_member("a@example.org", "dev")
    site.add_member("b@example.org", "dev")
    site.add_member("a@example.org", "dev.core")
    assert tree(site) == [(0, "network", 3), (1, "dev", 2),
                          (2, "dev.core", 1), (1, "ops", 0)]
    show = site.ok("list", "show", "dev.core")
    assert re.search(r"^parent: dev$", show, re.M)
    assert re.search(r"^members: 1$", show, re.M)


# --- members --------------------------------------------------------------

def test_member_add_list_show(site):
    out = site.add_member("alice@example.org", name="Alice Liddell")
    assert "alice@example.org" in out
    assert site.members("network") == ["alice@example.org"]
    show = site.ok("member", "show", "alice@example.org")
    assert "Alice Liddell" in show
    assert re.search(r"^\s+network\s+member\b", show, re.M), show


def test_member_add_twice_changes_nothing(site):
    site.add_member("alice@example.org", name="Alice", role="owner")
    before_list = site.ok("member", "list", "network")
    before_show = site.ok("member", "show", "alice@example.org")
    rc, out, err = site.confer("member", "add", "network", "alice@example.org",
                               "--role", "member", "--name", "Other")
    assert rc == 0, err
    assert "already" in (out + err).lower()
    assert site.ok("member", "list", "network") == before_list
    assert site.ok("member", "show", "alice@example.org") == before_show
    assert "owner" in before_list


def test_member_add_twice_different_case(site):
    site.add_member("alice@example.org")
    rc, out, err = site.confer("member", "add", "network", "Alice@Example.ORG")
    assert rc == 0, err
    assert "already" in (out + err).lower()
    assert len(site.members("network")) == 1


def test_sub_list_requires_network_membership(site):
    site.ok("list", "create", "dev")
    rc, out, err = site.confer("member", "add", "dev", "bob@example.org")
    assert rc != 0
    assert "network" in err, "refusal should say why: %r" % err
    assert site.members("dev") == []
    site.add_member("bob@example.org")
    site.add_member("bob@example.org", "dev")
    assert site.members("dev") == ["bob@example.org"]


def test_sub_sub_list_requires_network_membership(site):
    site.ok("list", "create", "dev")
    site.ok("list", "create", "dev.core", "--parent", "dev")
    rc, out, err = site.confer("member", "add", "dev.core", "eve@example.org")
    assert rc != 0 and "network" in err
    assert site.members("dev.core") == []


def test_remove_from_network_ends_sub_lists(site):
    site.ok("list", "create", "dev")
    site.ok("list", "create", "ops")
    site.ok("list", "create", "dev.core", "--parent", "dev")
    for a in ("bob@example.org", "carol@example.org"):
        site.add_member(a)
        site.add_member(a, "dev")
        site.add_member(a, "ops")
        site.add_member(a, "dev.core")
    site.ok("member", "remove", "network", "bob@example.org")
    for lst in ("network", "dev", "ops", "dev.core"):
        assert site.members(lst) == ["carol@example.org"], lst
    rc, show, err = site.confer("member", "show", "bob@example.org")
    for lst in ("dev", "ops", "dev.core", "network"):
        assert not re.search(r"^\s+%s\s" % re.escape(lst), show, re.M), show


def test_remove_from_sub_list_keeps_network(site):
    site.ok("list", "create", "dev")
    site.add_member("bob@example.org")
    site.add_member("bob@example.org", "dev")
    site.ok("member", "remove", "dev", "bob@example.org")
    assert site.members("dev") == []
    assert site.members("network") == ["bob@example.org"]


def test_remove_non_member(site):
    rc, out, err = site.confer("member", "remove", "network", "zed@example.org")
    assert rc != 0
    assert "zed@example.org" in err


@pytest.mark.parametrize("address", ["not-an-address", "@example.org",
                                     "a@", "a b@example.org",
                                     "a@exa mple.org", "a@-bad-.org"])
def test_member_add_invalid_address(site, address):
    rc, out, err = site.confer("member", "add", "network", address)
    assert rc != 0, address
    assert site.members("network") == []


def test_member_add_bad_role_and_unknown_list(site):
    rc, out, err = site.confer("member", "add", "network", "a@example.org",
                               "--role", "king")
    assert rc != 0
    rc, out, err = site.confer("member", "add", "nosuch", "a@example.org")
    assert rc != 0 and "nosuch" in err
    assert site.members("network") == []


def test_member_show_unknown(site):
    rc, out, err = site.confer("member", "show", "nobody@example.org")
    assert rc == 67


def test_member_list_unknown_list(site):
    rc, out, err = site.confer("member", "list", "nosuch")
    assert rc == 67


def test_site_addresses_and_control_characters_refused(site):
    for addr in ("network@lists.test", "health-request@LISTS.TEST"):
        rc, out, err = site.confer("member", "add", "network", addr)
        assert rc == 65 and "address of this site" in err
    rc, out, err = site.confer("member", "add", "network", "eve@example.com",
                               "--name", "Eve\r\nBcc: victim@example.net")
    assert rc == 65 and "control characters" in err
    rc, out, err = site.confer("list", "create", "inj", "--description",
                               "Evil\nBcc: victim@example.net")
    assert rc == 65 and "control characters" in err
    assert "eve@example.com" not in site.ok("member", "list", "network")
    assert "inj" not in site.ok("lists")


def test_example_configuration_is_what_init_writes(tmp_path):
    """conf/confer.conf, the commented example in the source tree, is the
    file `confer init` writes, so the two cannot drift apart."""
    import pathlib
    from conftest import REPO
    d = tmp_path / "ex"
    init_site(d, domain="lists.example.org",
              url="https://lists.example.org/archive/")
    assert (d / "confer.conf").read_text() == \
        (REPO / "conf" / "confer.conf").read_text()


def test_default_language_must_be_one_confer_has(site):
    """list_defaults.language outside en, fr, es is a configuration error
    with its line, not a silent fallback to English."""
    site.set_setting("language", '"de"')
    rc, out, err = site.confer("lists")
    assert rc == 78
    assert re.search(r"confer\.conf:\d+: list_defaults\.language must be",
                     err), err
    site.set_setting("language", '"fr"')
    site.ok("list", "create", "sante")
    assert "language: fr" in site.ok("list", "show", "sante")


def test_help_anywhere_without_a_configuration(tmp_path):
    """`confer COMMAND ... --help` answers wherever --help stands, with no
    configuration to read."""
    for args in (["list", "set", "--help"], ["member", "add", "x", "-h"],
                 ["archive", "remove", "--help"], ["queue", "failed",
                                                   "--help"]):
        rc, out, err = run_confer(*args, env={
            "CONFER_CONFIG": str(tmp_path / "missing.conf")})
        assert rc == 0 and "usage: confer %s" % args[0] in out, (args, err)
