"""Reads the profiles scripts/bench-profile.sh leaves (`perf script` text per process, variant and
round, with the calls wrk made meanwhile) and prints what the routed and the limited calls ran that
their baselines did not (the direct call; for the limited call, its tenant's twin without limits),
in µs of CPU per call.

Each sample is charged to the innermost frame on its stack that belongs to one of the product's own
modules (so a function's figure includes the library and runtime work it called, but not that of
the product's functions it called); a sample with none of them is the plumbing every call shares.

    python3 scripts/bench_profile.py DIRECTORY FREQUENCY
"""

import collections
import os
import pathlib
import re
import subprocess
import sys

OWN_MODULES = ("Gateway", "Proxy", "Messaging", "Contracts", "ServiceKit", "Translation", "JSONSchema")
# `$s` + length + module name: a Swift symbol of one of those modules (its closures and
# specializations of its own generic functions included).
OWN = re.compile(r"^\$s(?:" + "|".join(f"{len(name)}{name}" for name in OWN_MODULES) + r")")
DECORATIONS = re.compile(r"^(?:specialized |partial apply for |merged |outlined |thunk for |@objc )+")


def stacks(path):
    """Each sample's frames, innermost first, as perf script prints them."""
    frames = []
    for line in path.open(errors="replace"):
        if not line.strip():
            if frames:
                yield frames
            frames = []
        elif line[0] in " \t":
            parts = line.split()
            if len(parts) >= 2:
                frames.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1]))
    if frames:
        yield frames


def charged(path):
    """Samples per own function (mangled), and how many samples in all."""
    counts, total = collections.Counter(), 0
    for frames in stacks(path):
        total += 1
        counts[next((frame for frame in frames if OWN.match(frame)), "(shared plumbing)")] += 1
    return counts, total


def demangle(symbols):
    out = subprocess.run(
        ["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols), capture_output=True, text=True
    ).stdout.splitlines()
    names = out if len(out) == len(symbols) else symbols
    return {symbol: DECORATIONS.sub("", name) for symbol, name in zip(symbols, names)}


def main():
    directory, frequency = pathlib.Path(sys.argv[1]), float(sys.argv[2])
    top = int(os.environ.get("BENCH_PROFILE_TOP", "5"))  # functions listed per row
    per_sample = 1_000_000 / frequency  # µs of CPU a sample stands for
    runs = collections.defaultdict(list)  # (process, variant) -> [(counts, samples, calls)]
    for text in sorted(directory.glob("*.txt")):
        process, variant, _ = text.stem.split(".")
        counts, total = charged(text)
        calls = int(text.with_suffix(".calls").read_text().strip() or 0)
        runs[(process, variant)].append((counts, total, max(calls, 1)))
    symbols = sorted({symbol for rows in runs.values() for counts, _, _ in rows for symbol in counts})
    names = demangle(symbols)

    def per_call(process, variant):
        """µs per call per function name, and the process's whole µs per call, over the rounds."""
        rows = runs[(process, variant)]
        calls = sum(row[2] for row in rows)
        functions = collections.Counter()
        for counts, _, _ in rows:
            for symbol, count in counts.items():
                functions[names.get(symbol, symbol)] += count
        return {name: count * per_sample / calls for name, count in functions.items()}, sum(
            row[1] for row in rows
        ) * per_sample / calls

    print("| call | process | own code µs/call | process µs/call (this call / its baseline) | its largest functions (µs/call) |")
    print("|------|---------|------------------|-------------------------------------------|---------------------------------|")
    shared = []
    # Each call against its baseline: the routed call against the direct one of the same tenant,
    # the limited call against its tenant's twin without limits (the direct call, if none ran).
    for variant, baseline in (("routed", "direct"), ("limited", "twin")):
        for process in ("gateway", "proxy"):
            against = baseline if runs[(process, baseline)] else "direct"
            if not runs[(process, variant)] or not runs[(process, against)]:
                continue
            base, base_total = per_call(process, against)
            this, total = per_call(process, variant)
            own = sorted(((value, name) for name, value in this.items() if name not in base), reverse=True)
            largest = "; ".join(f"{name[:90]} {value:.2f}" for value, name in own[:top])
            print(
                f"| {variant} | {process} | {sum(value for value, _ in own):.1f} | {total:.0f} / {base_total:.0f} | {largest} |"
            )
            grew = sorted(((value - base[name], name) for name, value in this.items() if name in base), reverse=True)
            shared.append((variant, process, grew[:top]))
    # Functions both calls ran, by how much more this call spent in them: work a feature adds inside
    # shared functions shows here, among the run-to-run noise of every other function.
    print()
    print("Shared functions that grew most (µs/call more than the baseline call; noisy):")
    for variant, process, grew in shared:
        print(f"- {variant} {process}: " + "; ".join(f"{name[:90]} {value:+.2f}" for value, name in grew))


if __name__ == "__main__":
    main()
