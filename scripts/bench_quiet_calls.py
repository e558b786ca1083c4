"""Calls a quiet caller makes: one every SPACING seconds (longer than the limits' 250-ms tick; an
instance keeps a quiet count's slice about a second, then hands it back to the ledger), alternating
two API keys, each on a kept-alive connection. Prints one Markdown row per key: the p50 and p90 of
its calls in ms.

    bench_quiet_calls.py BASE_URL CALLS SPACING LABEL=KEY LABEL=KEY
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

base, calls, spacing = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
keys = [argument.split("=", 1) for argument in sys.argv[4:]]
url = urllib.parse.urlparse(base)
body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]})
connections = {key: http.client.HTTPConnection(url.hostname, url.port) for _, key in keys}
times = {key: [] for _, key in keys}
for _ in range(calls):
    for _, key in keys:
        started = time.perf_counter()
        connection = connections[key]
        connection.request("POST", "/v1/chat/completions", body, {"x-api-key": key, "content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"a quiet call answered {response.status}")
        times[key].append((time.perf_counter() - started) * 1000)
        time.sleep(spacing / len(keys))
for label, key in keys:
    deciles = statistics.quantiles(times[key], n=10)
    print(f"| {label} | {statistics.median(times[key]):.2f} ms | {deciles[8]:.2f} ms |")
