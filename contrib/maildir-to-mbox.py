#!/usr/bin/python3
"""Writes the mail files under a folder (recursively) as one mboxrd file
on standard output, each with a From line dated from its Date header."""
import email.utils
import os
import re
import sys
import time


def from_line(data):
    m = re.search(rb"^Date:[ \t]*(.+)$", data, re.M | re.I)
    when = None
    if m:
        try:
            when = email.utils.parsedate_to_datetime(m.group(1).decode("latin-1").strip())
        except (TypeError, ValueError):
            when = None
    t = when.timestamp() if when else time.time()
    return b"From confer-import " + time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t)).encode() + b"\n"


def main(root):
    out = sys.stdout.buffer
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            with open(os.path.join(d, f), "rb") as fh:
                data = fh.read().replace(b"\r\n", b"\n")
            out.write(from_line(data))
            for line in data.split(b"\n"):
                if re.match(rb"^>*From ", line):
                    line = b">" + line
                out.write(line + b"\n")
            if not data.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")


if __name__ == "__main__":
    main(sys.argv[1])
