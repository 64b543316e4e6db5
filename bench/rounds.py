#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Alternating rounds for bench/oci-compare.

  rounds.py run OUT.tsv ROUNDS WARMUP LOGDIR NAME CMD [NAME CMD ...]
      Runs CMD of every NAME once per round, in the order given (a, b, c,
      a, b, c, ...): WARMUP untimed rounds, then ROUNDS timed ones. Each CMD
      is split like a shell word list (no shell runs) and started with
      posix_spawn; the wall time is from the spawn to its wait4, whose
      rusage gives the user + system CPU. Then, in the same round, every CMD
      runs once more under GNU time for its peak RSS (%M: the process and
      the children it waited for; a process spawned from Python itself
      would report Python's RSS, which exec carries over). Writes
      `name round wall_ns maxrss_kib cpu_ns` lines to OUT.tsv. Output of
      a command goes to LOGDIR/NAME.log; a command that exits non-zero stops
      everything (exit 1, the log's tail on stderr).
  rounds.py table LABEL OUT.tsv [LABEL OUT.tsv ...]
      Prints a markdown table: for each OUT.tsv (same NAMEs) rows LABEL
      (median wall time), CPU (median user + system) and peak RSS (median)
      of each NAME, then the paired ratios of the first NAME to each other
      one: the median over rounds of first[round] / other[round], with its
      quartiles in brackets.

A measurement, not a test: nothing here judges the numbers.
"""
import os
import shlex
import statistics
import sys
import time


def spawn_once(argv, log_fd):
    acts = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=acts)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - t0
    cpu = int((ru.ru_utime + ru.ru_stime) * 1e9)
    return os.waitstatus_to_exitcode(status), wall, cpu


def run_checked(name, argv, log):
    rc, wall, cpu = spawn_once(argv, log[1])
    if rc != 0:
        with open(log[0]) as lf:
            tail = lf.read()[-2000:]
        sys.stderr.write(f"bench: {name}: '{shlex.join(argv)}' exited {rc}\n{tail}\n")
        sys.exit(1)
    return wall, cpu


def cmd_run(out, rounds, warmup, logdir, pairs):
    cmds = [(pairs[i], shlex.split(pairs[i + 1])) for i in range(0, len(pairs), 2)]
    logs = {}
    for name, _ in cmds:
        path = os.path.join(logdir, name + ".log")
        logs[name] = (path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
    with open(out, "w") as f:
        for r in range(warmup + rounds):
            res = {name: run_checked(name, argv, logs[name]) for name, argv in cmds}
            for name, argv in cmds:
                rss_file = os.path.join(logdir, name + ".rss")
                run_checked(name, ["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, logs[name])
                with open(rss_file) as rf:
                    rss = int(rf.read().split()[-1])
                if r >= warmup:
                    wall, cpu = res[name]
                    f.write(f"{name}\t{r - warmup}\t{wall}\t{rss}\t{cpu}\n")


def load(path):
    data = {}
    for line in open(path):
        name, r, wall, rss, cpu = line.split("\t")
        data.setdefault(name, {})[int(r)] = (int(wall), int(rss), int(cpu))
    return data


def paired(base, other, k):
    rs = [base[r][k] / other[r][k] for r in base if r in other and other[r][k] > 0]
    if len(rs) < 2:
        return f"{rs[0]:.2f}" if rs else "-"
    q1, q2, q3 = statistics.quantiles(rs, n=4)
    return f"{statistics.median(rs):.2f} ({q1:.2f}–{q3:.2f})"


def header(names):
    cols = names + [f"{names[0]}/{n}" for n in names[1:]]
    print("| median of each round | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")


def rows(label, path):
    data = load(path)
    names = list(data)
    base = data[names[0]]
    ms = lambda v: f"{v / 1e6:.1f} ms"
    for text, k, fmt in [(label, 0, ms), (label + ": CPU user+sys", 2, ms),
                         (label + ": peak RSS", 1, lambda v: f"{v / 1024:.1f} MiB")]:
        cells = [fmt(statistics.median(v[k] for v in data[n].values())) for n in names]
        cells += [paired(base, data[n], k) for n in names[1:]]
        print(f"| {text} | " + " | ".join(cells) + " |")


def main(a):
    if len(a) >= 7 and a[0] == "run" and len(a) % 2 == 1:
        cmd_run(a[1], int(a[2]), int(a[3]), a[4], a[5:])
    elif len(a) >= 3 and a[0] == "table" and len(a) % 2 == 1:
        header(list(load(a[2])))
        for i in range(1, len(a), 2):
            rows(a[i], a[i + 1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
