#!/usr/bin/python3
"""Runs one command and reports wall time, time to the first stdout line
and the peak RSS of the process tree's largest process, as JSON.

Usage: run.py NAME -- CMD...
"""
import json
import resource
import subprocess
import sys
import time


def main():
    sep = sys.argv.index("--")
    name, cmd = sys.argv[1], sys.argv[sep + 1:]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first, lines = None, 0
    for _ in proc.stdout:
        if first is None:
            first = time.perf_counter() - start
        lines += 1
    rc = proc.wait()
    wall = time.perf_counter() - start
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"name": name, "rc": rc, "wall_s": round(wall, 3),
                      "first_s": round(first, 3) if first is not None else None,
                      "lines": lines, "peak_rss_mb": round(rss_kb / 1024, 1)}))


if __name__ == "__main__":
    main()
