"""Median time from sending a streaming request to reading its first `data:` line.

Usage: bench_first_event.py URL JSON_BODY COUNT [HEADER:VALUE ...]
"""
import http.client
import statistics
import sys
import time
import urllib.parse

url, body, count = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
headers = {"content-type": "application/json"}
for pair in sys.argv[4:]:
    name, value = pair.split(":", 1)
    headers[name] = value
parts = urllib.parse.urlsplit(url)
connection = http.client.HTTPConnection(parts.hostname, parts.port)
samples = []
for _ in range(count + 5):
    started = time.perf_counter()
    connection.request("POST", parts.path, body=body, headers=headers)
    response = connection.getresponse()
    first = None
    while True:
        line = response.readline()
        if not line:
            break
        if first is None and line.startswith(b"data:"):
            first = time.perf_counter() - started
    samples.append(first)
print(f"{statistics.median(samples[5:]) * 1000:.3f}")
