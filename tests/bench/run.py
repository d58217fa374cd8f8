#!/usr/bin/env python3
"""confer's archive benchmark, side by side with MHonArc (`make bench`).

Reports, for a generated realistic threaded mbox (../shared/bench's
gen_mbox.py, or --mbox FILE for a real one):
  * full build: `confer import mbox` (store + database + every page) and
    `mhonarc -outdir` of the same mbox, messages per second for both;
  * adding one message to an existing archive (`confer import mbox` of a
    one-message mbox, which updates only the pages it touches) at 2,000,
    20,000 and 100,000 messages, and MHonArc's `-add` at 2,000 and 20,000;
  * peak memory of confer's full build at 100,000 messages: the largest
    total PSS of its processes (the parent and its render workers);
  * the file-writing floor of each full build: the kernel time it takes
    to create files of the same count and sizes (hard links as links) as
    the build left, with nothing computed, so that what the output costs
    on this machine shows apart from what the tool computes.
Goals (issue 4): 20x MHonArc's rate, under 20 ms per added message, under
100 MB at 100,000.  Work files go to build/bench (or --work).

usage: run.py [--full 20000] [--full-runs 3] [--inc 2000,20000,100000]
              [--mbox FILE] [--runs 5] [--no-mhonarc] [--work DIR]
       run.py --floor SRC DST   (one floor measurement, printed as JSON)
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("CONFER_SHARED_BENCH",
                                     REPO.parent / "shared" / "bench"))
CONFER = os.environ.get("CONFER_BIN") or str(REPO / "confer")


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True,
                          capture_output=True, **kw)


def tree_pss_kb(pid):
    """Proportional set size (KB) of pid and its descendants: memory
    shared between a process and its forked workers counts once."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open("/proc/%d/smaps_rollup" % p):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return total


def timed(cmd, env=None, sample=False):
    """wall seconds, CPU seconds, max RSS of the largest process (GNU
    time) and the largest total PSS of the process tree (sampled every
    20 ms), in KB, of cmd."""
    tf = pathlib.Path("/dev/shm" if os.path.isdir("/dev/shm") else "/tmp") \
        / ("confer-bench-time-%d" % os.getpid())
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", str(tf)] +
                         [str(c) for c in cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    peak = 0
    while sample and p.poll() is None:
        peak = max(peak, tree_pss_kb(p.pid))
        time.sleep(0.02)
    p.wait()
    wall = time.monotonic() - t0
    err = p.stderr.read()
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(map(str, cmd)),
                                     err.decode(errors="replace")[-2000:]))
    rss, user, syst = tf.read_text().split()[-3:]
    tf.unlink()
    return {"wall": wall, "rss_kb": int(rss), "pss_kb": peak,
            "cpu": float(user) + float(syst)}


def gen(work, count, extra=8):
    mbox = work / ("mbox-%d.mbox" % count)
    more = work / ("mbox-%d.extra.mbox" % count)
    if not (mbox.exists() and more.exists()):
        print("generating %d messages..." % count, flush=True)
        sh([sys.executable, SHARED / "lib" / "gen_mbox.py", "--count", count,
            "--extra", extra, mbox, more])
    return mbox, more


def split_mbox(path):
    """The messages of an mbox as separate byte strings (From_ lines kept)."""
    data = pathlib.Path(path).read_bytes()
    parts = re.split(rb"(?m)^(?=From )", data)
    return [p for p in parts if p.startswith(b"From ")]


RUN = time.strftime("%Y%m%d-%H%M%S")
TRASH = []


def fresh(work, name):
    """A folder of this run: earlier runs' folders are moved aside and
    removed only at the end, because ext4 skips the inodes of files deleted
    in the last minutes when it allocates new ones, which would slow down
    whichever tool is timed right after a big deletion."""
    d = work / name
    if d.exists():
        t = work / ("trash-%s-%d" % (RUN, len(TRASH)))
        d.rename(t)
        TRASH.append(t)
    return d


def new_site(work, name):
    d = fresh(work, name)
    sh([CONFER, "init", d, "--domain", "lists.example.org", "--url",
        "https://lists.example.org/archive/", "--transport", "file"])
    conf = d / "confer.conf"
    sh([CONFER, "-c", conf, "list", "create", "devel", "--description",
        "benchmark list"])
    return d, conf


def confer_full(work, mbox, name, sample=False):
    d, conf = new_site(work, name)
    subprocess.run(["sync"])
    r = timed([CONFER, "-c", conf, "import", "mbox", "devel", mbox],
              sample=sample)
    return d, conf, r


def confer_add(work, conf, singles, runs):
    """Median wall of adding one message, runs times (each a new one)."""
    walls = []
    for k in range(runs):
        one = work / ("one-%d.mbox" % k)
        one.write_bytes(singles[k % len(singles)])
        r = timed([CONFER, "-c", conf, "import", "mbox", "devel", one])
        walls.append(r["wall"])
    return statistics.median(walls), walls


def mhonarc_full(work, mbox, name):
    out = fresh(work, name)
    out.mkdir(parents=True)
    subprocess.run(["sync"])
    r = timed(["mhonarc", "-quiet", "-outdir", out, mbox])
    return out, r


def mhonarc_add(work, base, singles, runs):
    walls = []
    for k in range(runs):
        one = work / ("mh-one-%d.mbox" % k)
        one.write_bytes(singles[k % len(singles)])
        r = timed(["mhonarc", "-quiet", "-add", "-outdir", base, one])
        walls.append(r["wall"])
    return statistics.median(walls), walls


def floor_copy(src, dst):
    """Creates under dst files of the same names and sizes as under src,
    and the same hard links; returns the files, bytes and the CPU time
    (user, system) it took.  Run in a process of its own so that its
    resource usage is only this."""
    import resource
    src, dst = pathlib.Path(src), pathlib.Path(dst)
    entries = []
    for root, dirs, files in os.walk(src):
        rel = pathlib.Path(root).relative_to(src)
        entries.append(("d", rel, 0, None))
        for f in files:
            st = os.lstat(os.path.join(root, f))
            entries.append(("f", rel / f, st.st_size, (st.st_dev, st.st_ino)))
    blob = b"x" * max([e[2] for e in entries] + [1])
    first, nbytes, nfiles = {}, 0, 0
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for kind, rel, size, ino in entries:
        path = dst / rel
        if kind == "d":
            os.makedirs(path, exist_ok=True)
        elif ino in first:
            os.link(first[ino], path)
        else:
            first[ino] = path
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, blob[:size])
            os.close(fd)
            nbytes += size
            nfiles += 1
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"files": nfiles, "links": sum(1 for e in entries
                                          if e[0] == "f") - nfiles,
            "bytes": nbytes, "user": r1.ru_utime - r0.ru_utime,
            "sys": r1.ru_stime - r0.ru_stime}


def floor(work, src, name):
    """floor_copy of src in a child process, into a fresh folder."""
    dst = fresh(work, name)
    subprocess.run(["sync"])
    out = sh([sys.executable, __file__, "--floor", src, dst]).stdout
    return json.loads(out)


def median_run(runs):
    return sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]


def count_messages(mbox):
    n = 0
    with open(mbox, "rb") as f:
        for line in f:
            if line.startswith(b"From "):
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", type=int, default=20000)
    ap.add_argument("--inc", default="2000,20000,100000")
    ap.add_argument("--mbox", help="a real mbox instead of a generated one")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--full-runs", type=int, default=3)
    ap.add_argument("--no-mhonarc", action="store_true")
    ap.add_argument("--work", default=str(REPO / "build" / "bench"))
    ap.add_argument("--floor", nargs=2, metavar=("SRC", "DST"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.floor:
        print(json.dumps(floor_copy(*a.floor)))
        return
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    mh = not a.no_mhonarc and shutil.which("mhonarc")
    if not a.no_mhonarc and not mh:
        sys.exit("mhonarc is not installed: run `make deps`")
    results = {"confer": CONFER, "rows": []}
    rows = results["rows"]

    # full build, side by side
    if a.mbox:
        mbox = pathlib.Path(a.mbox)
        singles = split_mbox(mbox)[-a.runs:]
        n = count_messages(mbox)
        sizes = []
    else:
        mbox, extra = gen(work, a.full)
        n = a.full
        sizes = [int(x) for x in a.inc.split(",") if x]
    print("full build of %d messages (%s), %d runs each, alternating" % (
        n, mbox, a.full_runs), flush=True)
    cruns, mruns = [], []
    for k in range(a.full_runs):
        d, conf, r = confer_full(work, mbox, "confer-full")
        cruns.append(r)
        print("  confer  run %d: %.2f s (CPU %.2f s), %.0f msg/s" % (
            k + 1, r["wall"], r["cpu"], n / r["wall"]), flush=True)
        if mh:
            out, m = mhonarc_full(work, mbox, "mhonarc-full")
            mruns.append(m)
            print("  MHonArc run %d: %.2f s (CPU %.2f s), %.0f msg/s" % (
                k + 1, m["wall"], m["cpu"], n / m["wall"]), flush=True)
    r = median_run(cruns)
    rows.append(("confer full build", n, r["wall"], n / r["wall"],
                 r["rss_kb"]))
    mh_rate = None
    if mh:
        m = median_run(mruns)
        mh_rate = n / m["wall"]
        rows.append(("MHonArc full build", n, m["wall"], mh_rate,
                     m["rss_kb"]))
        print("  medians: confer %.0f msg/s, MHonArc %.0f msg/s, "
              "ratio %.1fx" % (n / r["wall"], mh_rate,
                               (n / r["wall"]) / mh_rate), flush=True)
        results["full_ratio"] = (n / r["wall"]) / mh_rate
    # what writing the same files costs, with nothing computed
    cpus = os.cpu_count() or 1
    fl = {"confer": floor(work, d, "floor-confer")}
    if mh:
        fl["MHonArc"] = floor(work, out, "floor-mhonarc")
    for tool, f in fl.items():
        print("  %s wrote %d files (%d MB) and %d hard links; creating as "
              "many files of the same sizes takes %.2f s of kernel time" % (
                  tool, f["files"], f["bytes"] >> 20, f["links"], f["sys"]),
              flush=True)
    if mh:
        # even with the kernel time spread over every CPU and nothing
        # else to do, confer's build cannot be faster than this
        best = (n / (fl["confer"]["sys"] / cpus)) / mh_rate
        print("  the fastest a build writing confer's files could be on "
              "%d CPUs: %.1fx MHonArc" % (cpus, best), flush=True)
        results["floor_ratio_limit"] = best
    results["floor"] = fl
    if a.mbox:
        med, walls = confer_add(work, conf, singles, a.runs)
        rows.append(("confer add one message", n, med, None, None))
    # adding one message at each size
    for size in sizes:
        mbox_s, extra_s = gen(work, size)
        singles = split_mbox(extra_s)
        if size == a.full:
            conf_s = conf
        else:
            print("building a %d-message archive..." % size, flush=True)
            d_s, conf_s, r_s = confer_full(work, mbox_s, "confer-%d" % size,
                                           sample=size == 100000)
            if size == 100000:
                rows.append(("confer full build", size, r_s["wall"],
                             size / r_s["wall"], r_s["pss_kb"]))
                print("  full build: %.1f s, %.0f msg/s, peak %d KB "
                      "(all processes, PSS; largest process %d KB RSS)" % (
                          r_s["wall"], size / r_s["wall"], r_s["pss_kb"],
                          r_s["rss_kb"]))
        med, walls = confer_add(work, conf_s, singles, a.runs)
        rows.append(("confer add one message", size, med, None, None))
        print("  add one message at %d: median %.1f ms (%s)" % (
            size, med * 1000, ", ".join("%.1f" % (w * 1000) for w in walls)),
            flush=True)
        if mh and size <= 20000:
            if size == a.full:
                base = out
            else:
                base, m_s = mhonarc_full(work, mbox_s, "mhonarc-%d" % size)
            mmed, mwalls = mhonarc_add(work, base, singles, min(a.runs, 3))
            rows.append(("MHonArc add one message", size, mmed, None, None))
            print("  MHonArc -add at %d: median %.0f ms" % (size, mmed * 1000),
                  flush=True)
    print()
    print("| tool / workload | messages | wall s | msg/s | peak memory KB |")
    print("|---|---|---|---|---|")
    for name, count, wall, rate, rss in rows:
        print("| %s | %d | %.3f | %s | %s |" % (
            name, count, wall, "%.0f" % rate if rate else "",
            rss if rss else ""))
    (work / "results.json").write_text(json.dumps(results, indent=1))
    for t in TRASH:
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    main()
