#!/usr/bin/python3
"""smtpd.py: a real SMTP server (aiosmtpd) that stores what it receives, for
confer's tests.  It listens on 127.0.0.1 only.

Every accepted transaction becomes two files in OUTDIR, each written to a
temporary name and renamed into place, the .json last:
  NNNNNN.eml   the DATA bytes exactly as received (dot-stuffing removed,
               the terminating "." line not included)
  NNNNNN.json  {"mail_from": ..., "rcpt_tos": [...], "time": ...}
               mail_from is "" for the null sender <>; rcpt_tos lists only
               the recipients accepted at RCPT; time is a Unix timestamp.
A transaction is complete once its .json exists.  Numbering continues after
the highest number already in OUTDIR.

Behaviour can be changed per recipient: RCPT for an address matching a
regular expression (re.search, case-insensitive) is answered with the given
4xx or 5xx code; with tempfail_all every RCPT and DATA is answered 451.

Command line (run with /usr/bin/python3; prints the port, then runs until
SIGTERM or SIGINT):
  smtpd.py --port N --outdir DIR [--reject RCPT-REGEX=CODE ...]
           [--tempfail-all]
  --port 0 picks a free port.

As a module:
  srv = SmtpServer(outdir, port=0)
  srv.start()              # returns the port; also srv.port
  srv.reject(r"^bad@", 550)
  srv.tempfail_all(True)
  srv.clear_rules()
  read_deliveries(outdir)  # [(envelope dict, raw bytes)] in order
  srv.stop()
SmtpServer is also a context manager (start on enter, stop on exit).
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import threading
import time

from aiosmtpd.smtp import SMTP

HOST = "127.0.0.1"
NAME_RE = re.compile(r"^(\d+)\.json$")

DEFAULT_TEXT = {
    4: "4.2.0 temporary failure for this recipient (test rule)",
    5: "5.1.1 recipient rejected (test rule)",
}


def _write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path),
                       ".tmp-%d-%s" % (os.getpid(), os.path.basename(path)))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def _last_seq(outdir):
    last = 0
    for name in os.listdir(outdir):
        m = NAME_RE.match(name)
        if m:
            last = max(last, int(m.group(1)))
    return last


def read_deliveries(outdir):
    """Returns [(envelope, raw_bytes)] for every complete transaction in
    outdir, in the order received.  envelope is the parsed .json plus
    "seq" (int)."""
    out = []
    names = sorted((int(m.group(1)), n) for n in os.listdir(outdir)
                   for m in [NAME_RE.match(n)] if m)
    for seq, name in names:
        with open(os.path.join(outdir, name), encoding="utf-8") as f:
            env = json.load(f)
        env["seq"] = seq
        with open(os.path.join(outdir, "%06d.eml" % seq), "rb") as f:
            raw = f.read()
        out.append((env, raw))
    return out


class _Handler:
    """aiosmtpd handler: applies the rules and stores each transaction."""

    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, options):
        reply = self.server._rcpt_reply(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server._tempfail:
            return "451 4.3.0 relay trouble (test: tempfail-all)"
        self.server._store(envelope)
        return "250 OK stored"


class SmtpServer:
    def __init__(self, outdir, port=0):
        self.outdir = outdir
        self.port = port
        self._rules = []          # [(compiled regex, code, text)]
        self._tempfail = False
        self._lock = threading.Lock()
        self._seq = None
        self._loop = None
        self._server = None
        self._thread = None

    # --- behaviour -------------------------------------------------------
    def reject(self, pattern, code, text=None):
        """RCPT for addresses matching pattern gets `code` (4xx or 5xx)."""
        code = int(code)
        if not 400 <= code <= 599:
            raise ValueError("reply code must be 4xx or 5xx: %d" % code)
        if text is None:
            text = DEFAULT_TEXT[code // 100]
        rule = (re.compile(pattern, re.IGNORECASE), code, text)
        with self._lock:
            self._rules = self._rules + [rule]

    def tempfail_all(self, on=True):
        """Answer every RCPT and DATA with 451 (relay trouble)."""
        self._tempfail = bool(on)

    def clear_rules(self):
        with self._lock:
            self._rules = []
        self._tempfail = False

    def deliveries(self):
        return read_deliveries(self.outdir)

    def _rcpt_reply(self, address):
        if self._tempfail:
            return "451 4.3.0 relay trouble (test: tempfail-all)"
        for rx, code, text in self._rules:
            if rx.search(address):
                return "%d %s" % (code, text)
        return None

    def _store(self, envelope):
        mail_from = envelope.mail_from
        if mail_from == "<>":
            mail_from = ""
        meta = {"mail_from": mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "time": time.time()}
        with self._lock:
            self._seq += 1
            seq = self._seq
        base = os.path.join(self.outdir, "%06d" % seq)
        _write_atomic(base + ".eml", bytes(envelope.original_content))
        _write_atomic(base + ".json", json.dumps(meta).encode())

    # --- running ---------------------------------------------------------
    def start(self):
        """Binds, starts serving in a background thread, returns the port."""
        os.makedirs(self.outdir, exist_ok=True)
        self._seq = _last_seq(self.outdir)
        self._loop = asyncio.new_event_loop()
        handler = _Handler(self)

        def factory():
            return SMTP(handler, hostname="smtpd.test", ident="confer-test",
                        loop=self._loop)

        self._server = self._loop.run_until_complete(
            self._loop.create_server(factory, host=HOST, port=self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="smtpd", daemon=True)
        self._thread.start()
        return self.port

    def stop(self):
        if self._loop is None:
            return

        async def shutdown():
            self._server.close()
            await self._server.wait_closed()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        try:
            fut.result(timeout=5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _parse_reject(spec):
    pattern, sep, code = spec.rpartition("=")
    if not sep or not pattern or not code.isdigit():
        raise argparse.ArgumentTypeError("expected RCPT-REGEX=CODE: %r" % spec)
    code = int(code)
    if not 400 <= code <= 599:
        raise argparse.ArgumentTypeError("code must be 4xx or 5xx: %r" % spec)
    try:
        re.compile(pattern)
    except re.error as e:
        raise argparse.ArgumentTypeError("bad regex %r: %s" % (pattern, e))
    return pattern, code


def main(argv=None):
    ap = argparse.ArgumentParser(description="SMTP test server for confer")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--reject", type=_parse_reject, action="append",
                    default=[], metavar="RCPT-REGEX=CODE")
    ap.add_argument("--tempfail-all", action="store_true")
    args = ap.parse_args(argv)

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())

    srv = SmtpServer(args.outdir, port=args.port)
    for pattern, code in args.reject:
        srv.reject(pattern, code)
    srv.tempfail_all(args.tempfail_all)
    srv.start()
    print(srv.port, flush=True)
    while not done.wait(3600):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
