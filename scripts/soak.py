#!/usr/bin/env python3
"""The soak's load, sampler and verdict (scripts/soak.sh starts the cluster and runs this).

A mixed load at a steady rate: model calls (plain and streamed), public content reads, content
writes (a draft created and deleted), key lookups (`/auth/me`) and usage queries, from worker
threads that each keep one HTTP connection. Every 5 s it samples each process's resident set,
open file descriptors and threads from /proc. At the end it prints a table per minute, writes
soak.json and soak.png (resident sets and p50/p99 over time) to --out, and exits 1 when:
- a service's resident set grew more than 10 % from minute 2 to the end;
- a process's open descriptors grew steadily (more than 10, and 10 %, from minute 2 to the end);
- p99 drifted up more than 50 % (the last two minutes' against minutes 2 and 3);
- any request failed.
"""

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from urllib.parse import urlparse

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
# What the load is made of, by weight.
OPERATIONS = {"chat": 35, "chat-stream": 15, "public-read": 15, "content-write": 10, "key-lookup": 15, "usage-query": 10}
SAMPLE_SECONDS = 5


class Failure(Exception):
    pass


class Client:
    """One worker's keep-alive connection to the gateway."""

    def __init__(self, base, key, slug):
        self.url = urlparse(base)
        self.key = key
        self.slug = slug
        self.connection = None

    def request(self, method, path, body=None, expect=200):
        headers = {"x-api-key": self.key}
        if body is not None:
            headers["content-type"] = "application/json"
            body = json.dumps(body)
        for attempt in range(2):  # a keep-alive connection the server closed is reopened once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        if response.status != expect:
            raise Failure(f"{method} {path}: {response.status} {data[:200]!r}")
        return data

    def run(self, operation):
        if operation == "chat":
            self.request("POST", "/v1/chat/completions", CHAT)
        elif operation == "chat-stream":
            data = self.request("POST", "/v1/chat/completions", dict(CHAT, stream=True))
            if b"data: [DONE]" not in data:
                raise Failure(f"a stream ended without [DONE]: {data[-200:]!r}")
        elif operation == "public-read":
            self.request("GET", f"/public/{self.slug}/content/post/hello-soak")
        elif operation == "content-write":
            item = json.loads(self.request("POST", "/content", {"type": "post", "data": {"body": "soak"}}, expect=201))
            self.request("DELETE", f"/content/{item['id']}", expect=204)
        elif operation == "key-lookup":
            self.request("GET", "/auth/me")
        elif operation == "usage-query":
            self.request("GET", random.choice(["/usage?limit=20", "/usage/summary?groupBy=model"]))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def process_sample(pid):
    """Resident set (kB), open descriptors and threads of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return int(fields["VmRSS"][0]), len(os.listdir(f"/proc/{pid}/fd")), int(fields["Threads"][0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100, help="requests a second, over every worker")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--out", required=True)
    parser.add_argument("processes", nargs="+", help="name=pid")
    arguments = parser.parse_args()
    processes = dict(entry.split("=", 1) for entry in arguments.processes)

    start = time.monotonic()
    end = start + arguments.minutes * 60
    lock = threading.Lock()
    latencies = {}  # (minute, operation) -> [ms]
    failures = []
    samples = []  # (seconds, name, rss kB, fds, threads)

    def worker(index):
        client = Client(arguments.base, arguments.key, arguments.slug)
        interval = arguments.workers / arguments.rate
        chooser = random.Random(index)
        names, weights = list(OPERATIONS), list(OPERATIONS.values())
        next_at = start + interval * index / arguments.workers
        while True:
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            if time.monotonic() >= end:
                return
            next_at += interval
            operation = chooser.choices(names, weights)[0]
            began = time.monotonic()
            try:
                client.run(operation)
            except Exception as error:  # noqa: BLE001 (every failure is reported)
                with lock:
                    failures.append((round(began - start, 1), operation, str(error)))
                continue
            minute = int((began - start) // 60)
            with lock:
                latencies.setdefault((minute, operation), []).append((time.monotonic() - began) * 1000)

    def sampler():
        while time.monotonic() < end:
            seconds = time.monotonic() - start
            for name, pid in processes.items():
                try:
                    samples.append((round(seconds, 1), name, *process_sample(pid)))
                except OSError as error:
                    failures.append((round(seconds, 1), f"process {name}", f"gone: {error}"))
            time.sleep(SAMPLE_SECONDS)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(arguments.workers)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    minutes = int(arguments.minutes)
    report = {"minutes": [], "failures": failures[:50], "failureCount": len(failures), "samples": samples}
    print(f"\nSoak: {arguments.minutes:g} minutes at {arguments.rate:g} requests/s over {arguments.workers} connections")
    names = list(processes)
    print("| minute | requests | p50 ms | p99 ms | " + " | ".join(f"{n} MB" for n in names) + " | fds (sum) | threads (sum) |")
    print("|--------|----------|--------|--------|" + "|".join("-" * (len(n) + 5) for n in names) + "|-----------|---------------|")
    for minute in range(minutes):
        values = [v for (m, _), vs in latencies.items() if m == minute for v in vs]
        last = {}
        for seconds, name, rss, fds, threads_ in samples:
            if minute * 60 <= seconds < (minute + 1) * 60:
                last[name] = (rss, fds, threads_)
        row = {
            "minute": minute + 1,
            "requests": len(values),
            "p50": percentile(values, 0.5),
            "p99": percentile(values, 0.99),
            "perOperationP99": {
                op: percentile(vs, 0.99) for (m, op), vs in latencies.items() if m == minute
            },
            "rssKB": {n: last.get(n, (0, 0, 0))[0] for n in names},
            "fds": {n: last.get(n, (0, 0, 0))[1] for n in names},
            "threads": {n: last.get(n, (0, 0, 0))[2] for n in names},
        }
        report["minutes"].append(row)
        print(
            f"| {minute + 1:6} | {len(values):8} | {row['p50']:6.1f} | {row['p99']:6.1f} | "
            + " | ".join(f"{row['rssKB'][n] / 1024:{len(n) + 3}.1f}" for n in names)
            + f" | {sum(row['fds'].values()):9} | {sum(row['threads'].values()):13} |"
        )

    problems = []
    if failures:
        problems.append(f"{len(failures)} requests failed, the first: {failures[0]}")
    rows = report["minutes"]
    if len(rows) >= 4:
        second, last = rows[1], rows[-1]
        for name in names:
            if name != "nats-server" and last["rssKB"][name] > second["rssKB"][name] * 1.10:
                problems.append(
                    f"{name}'s resident set grew from {second['rssKB'][name] / 1024:.1f} MB (minute 2) "
                    f"to {last['rssKB'][name] / 1024:.1f} MB")
            growth = last["fds"][name] - second["fds"][name]
            if growth > 10 and growth > second["fds"][name] * 0.10:
                problems.append(f"{name}'s open descriptors grew from {second['fds'][name]} to {last['fds'][name]}")
        early = (rows[1]["p99"] + rows[2]["p99"]) / 2
        late = (rows[-2]["p99"] + rows[-1]["p99"]) / 2
        report["p99Drift"] = late / early if early else 0
        if late > early * 1.5:
            problems.append(f"p99 drifted from {early:.1f} ms (minutes 2-3) to {late:.1f} ms (the last two)")
    else:
        problems.append("a soak needs at least 4 minutes to be judged")
    report["problems"] = problems

    with open(os.path.join(arguments.out, "soak.json"), "w") as file:
        json.dump(report, file, indent=1)
    plot(report, names, os.path.join(arguments.out, "soak.png"), arguments)
    print(f"\nfigures: {arguments.out}/soak.json, plot: {arguments.out}/soak.png")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        drift = report.get("p99Drift", 0)
        print(f"passed: no failed request, resident sets and descriptors flat, p99 ×{drift:.2f} from minutes 2-3 to the end")
    return 1 if problems else 0


def plot(report, names, path, arguments):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (memory, latency) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name in names:
        points = [(s / 60, rss / 1024) for s, n, rss, _, _ in report["samples"] if n == name]
        memory.plot([p[0] for p in points], [p[1] for p in points], label=name)
    memory.set_ylabel("resident set (MB)")
    memory.set_ylim(bottom=0)
    memory.legend(loc="upper left", ncol=3, fontsize="small")
    memory.grid(alpha=0.3)
    memory.set_title(f"make soak: {arguments.minutes:g} min, {arguments.rate:g} requests/s, mixed load")
    rows = report["minutes"]
    x = [row["minute"] - 0.5 for row in rows]
    latency.plot(x, [row["p99"] for row in rows], marker="o", label="p99, all requests")
    latency.plot(x, [row["p50"] for row in rows], marker="o", label="p50, all requests")
    for operation in OPERATIONS:
        latency.plot(x, [row["perOperationP99"].get(operation, 0) for row in rows], linestyle=":", label=f"p99 {operation}")
    latency.set_ylabel("latency per minute (ms)")
    latency.set_xlabel("minutes")
    latency.set_ylim(bottom=0)
    latency.legend(loc="upper left", ncol=3, fontsize="small")
    latency.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
