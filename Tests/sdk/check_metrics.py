"""Parses Prometheus text exposition with the reference parser (prometheus_client).

Usage: check_metrics.py URL...  Prints {"url": ["family", ...], ...} as one JSON line; exits 1
when a page does not parse.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

result = {}
for url in sys.argv[1:]:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode("utf-8")
    try:
        result[url] = sorted({family.name for family in text_string_to_metric_families(text)})
    except Exception as error:  # noqa: BLE001 - report which page failed and why
        print(f"{url} does not parse: {error}", file=sys.stderr)
        sys.exit(1)
print(json.dumps(result))
