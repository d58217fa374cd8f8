"""Reading confer's archive pages with html.parser (standard library only).

parse_page(path) returns a small element tree; the helpers below pull
out what the tests check: the threads of a list page, the messages of a
thread page, the Message-ID of a message page."""

import html.parser
import pathlib
import re

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return "".join(out)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k) != v for k, v in attrs.items()):
                continue
            yield n

    def find(self, tag=None, cls=None, **attrs):
        return next(self.find_all(tag, cls, **attrs), None)


class _Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.cur = self.root
        self.errors = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is self.root:
            self.errors.append("stray </%s>" % tag)
            return
        if n is not self.cur:
            self.errors.append("unclosed <%s> before </%s>" % (self.cur.tag,
                                                                tag))
        self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_page(path):
    data = pathlib.Path(path).read_bytes()
    try:
        text = data.decode("utf-8")      # pages say charset=utf-8
    except UnicodeDecodeError as e:
        raise AssertionError("archive page %s is not valid UTF-8: %s (bytes "
                             "%r)" % (path, e, data[max(0, e.start - 40):
                                                   e.end + 40]))
    b = _Builder()
    b.feed(text)
    b.close()
    b.root.errors = b.errors
    b.root.raw = text
    return b.root


def day_pages(month_path):
    """The day pages (MONTH/DD.html) a month page links to."""
    month_path = pathlib.Path(month_path)
    if not month_path.exists():
        return []
    ol = parse_page(month_path).find("ol", "days")
    return [month_path.parent / a.attrs.get("href")
            for a in (ol.find_all("a") if ol is not None else [])]


def list_page(path):
    """A list's index.html: {"count": N, "threads_count": M,
    "threads": [(href, subject)], "months": [href]}."""
    doc = parse_page(path)
    meta = " ".join(p.text() for p in doc.find_all("p", "meta"))
    m = re.search(r"(\d+) messages? in (\d+) threads?", meta)
    ol = doc.find("ol", "threads")
    threads = []
    if ol is not None:
        for li in ol.find_all("li"):
            a = li.find("a", "subject")
            if a is not None:
                threads.append((a.attrs.get("href"), a.text()))
    months = [a.attrs.get("href")
              for nav in doc.find_all("nav", "months")
              for a in nav.find_all("a")]
    # the front page shows the most recent threads; every thread is on the
    # page of each month it was active in
    seen = {h for h, s in threads}
    ldir = pathlib.Path(path).parent
    for month in months:
        for dp in day_pages(ldir / month):
            mol = parse_page(dp).find("ol", "threads")
            for li in (mol.find_all("li") if mol is not None else []):
                a = li.find("a", "subject")
                href = a.attrs.get("href") if a is not None else None
                if href is None:
                    continue
                # day pages are one folder below the list
                href = str((dp.parent / href).resolve().relative_to(
                    ldir.resolve()))
                if href not in seen:
                    seen.add(href)
                    threads.append((href, a.text()))
    return {"count": int(m.group(1)) if m else None,
            "threads_count": int(m.group(2)) if m else None,
            "threads": threads, "months": months, "doc": doc}


def thread_page(path):
    """A thread page: {"subject": h1 text, "permalinks": [article ids
    without "m-"], "tree": [msg hrefs in the tree]}."""
    doc = parse_page(path)
    h1 = doc.find("h1")
    arts = [a.attrs["id"][2:] for a in doc.find_all("article", "msg")
            if a.attrs.get("id", "").startswith("m-")]
    tree = []
    box = doc.find("nav", "treebox")
    if box is not None:
        tree = [a.attrs.get("href") for a in box.find_all("a")]
    return {"subject": h1.text() if h1 else None, "permalinks": arts,
            "tree": tree, "doc": doc}


def message_page(path):
    """A message page: {"subject", "message_id", "thread_url"}."""
    doc = parse_page(path)
    h1 = doc.find("h1")
    mid = doc.find("dd", "mid")
    thread = None
    for a in doc.find_all("a"):
        href = a.attrs.get("href") or ""
        if re.search(r"(^|/)thread/[^/]+\.html$", href):
            thread = href
            break
    return {"subject": h1.text() if h1 else None,
            "message_id": mid.text().strip() if mid else None,
            "thread_url": thread, "doc": doc}


def home_page(path):
    """archive/index.html: {list name: (members, messages)}."""
    doc = parse_page(path)
    out = {}
    table = doc.find("table", "lists")
    if table is None:
        return out
    for tr in table.find_all("tr"):
        tds = list(tr.find_all("td"))
        if len(tds) < 3:
            continue
        a = tds[0].find("a")
        name = a.text().strip() if a else tds[0].text().strip()
        out[name] = (tds[1].text().strip(), tds[2].text().strip())
    return out


def _local_targets(page, doc, under):
    """Resolved local link targets of a page that lie in folder `under`."""
    out = []
    for a in doc.find_all("a"):
        href = (a.attrs.get("href") or "").split("#")[0]
        if not href or re.match(r"^[a-z]+:", href):
            continue
        t = (pathlib.Path(page).parent / href).resolve()
        if t.parent == pathlib.Path(under).resolve() and t.suffix == ".html":
            out.append(t)
    return out


def archive_threads(list_dir):
    """Reads a list's archive from its pages alone.  Returns
    ([(thread href, [Message-IDs in page order])], list page dict): first
    the threads the list page shows, in its order, then any further thread
    reached from the month pages (message -> its thread), so that a list
    page showing only recent threads still yields every thread.
    lp["listed"] is the number of threads the list page itself shows;
    lp["wrong_thread_links"] the message pages whose thread link is not the
    thread page that shows them."""
    list_dir = pathlib.Path(list_dir)
    lp = list_page(list_dir / "index.html")
    hrefs = [h for h, subject in lp["threads"]]
    lp["listed"] = len(hrefs)
    seen = {(list_dir / h).resolve() for h in hrefs}
    msgs = [msg for mhref in lp["months"]
            for dpath in day_pages(list_dir / mhref)
            for msg in _local_targets(dpath, parse_page(dpath),
                                      list_dir / "msg")]
    for msg in msgs:
        mp = message_page(msg)
        if not mp["thread_url"]:
            continue
        t = (msg.parent / mp["thread_url"]).resolve()
        if t not in seen:
            seen.add(t)
            hrefs.append("thread/" + t.name)
    out = []
    lp["wrong_thread_links"] = []
    for href in hrefs:
        tp = thread_page(list_dir / href)
        ids = []
        for perma in tp["permalinks"]:
            mp = message_page(list_dir / "msg" / (perma + ".html"))
            ids.append(mp["message_id"])
            # the message page's thread link leads back here
            if mp["thread_url"] is None or (
                    (list_dir / "msg" / mp["thread_url"]).resolve() !=
                    (list_dir / href).resolve()):
                lp["wrong_thread_links"].append(
                    (perma, mp["thread_url"], href))
        out.append((href, ids))
    return out, lp
