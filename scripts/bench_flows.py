"""Flow writes: a mutation batch against creating the same chart in one request.

Usage: bench_flows.py BASE_URL API_KEY NODES ROUNDS

Each round creates a chart of NODES nodes and NODES - 1 edges (a chain) twice: with one
`POST /flows` (the baseline: one statement per table), and as an empty chart filled by one
`POST /flows/mutations` batch of NODES node inserts and NODES - 1 edge inserts. Prints a
markdown table with the median of each and their ratio.
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

base, key, count, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
parts = urllib.parse.urlsplit(base)
connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
headers = {"content-type": "application/json", "x-api-key": key}


def post(path, body, expected):
    connection.request("POST", path, body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    text = response.read()
    if response.status != expected:
        sys.exit(f"POST {path}: {response.status} {text[:300]!r}")
    return json.loads(text)


nodes = [{"id": f"n{i}", "type": "default", "position": {"x": i * 10, "y": 0}, "data": {"label": f"Step {i}"}}
         for i in range(count)]
edges = [{"id": f"e{i}", "source": f"n{i}", "target": f"n{i + 1}"} for i in range(count - 1)]

create_times, batch_times = [], []
for index in range(rounds + 1):  # the first round warms up and is not counted
    started = time.perf_counter()
    post("/flows", {"name": f"Created {index}", "nodes": nodes, "edges": edges}, 201)
    created = time.perf_counter() - started

    chart = post("/flows", {"name": f"Batched {index}", "nodes": [], "edges": []}, 201)["id"]
    mutations = [{"type": "insert", "collection": "flow_node", "value": dict(node, chartId=chart)} for node in nodes]
    mutations += [{"type": "insert", "collection": "flow_edge", "value": dict(edge, chartId=chart)} for edge in edges]
    started = time.perf_counter()
    post("/flows/mutations", mutations, 200)
    batched = time.perf_counter() - started
    if index > 0:
        create_times.append(created)
        batch_times.append(batched)

create, batch = statistics.median(create_times), statistics.median(batch_times)
rows = 2 * count - 1
print(f"Flow writes: {count} nodes + {count - 1} edges, median of {rounds} rounds, release build")
print("| how | ms | µs per row | vs one POST /flows |")
print("|-----|----|------------|--------------------|")
print(f"| one POST /flows (baseline) | {create * 1000:.1f} | {create * 1e6 / rows:.0f} | 1.00× |")
print(f"| one POST /flows/mutations batch of {rows} inserts | {batch * 1000:.1f} | {batch * 1e6 / rows:.0f} | "
      f"{batch / create:.2f}× |")
