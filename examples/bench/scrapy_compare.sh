#!/usr/bin/env bash
# Compares crawl with Scrapy on the benchmark's synthetic site (not part of CI).
#
#   examples/bench/scrapy_compare.sh [PAGES [RUNS]]      # defaults: 20000 pages, 3 runs
#
# Builds the bench example, runs crawl's own benchmark (crawl and the baseline at
# CONCURRENT_REQUESTS 32 and 128), then creates a temporary virtualenv, installs Scrapy
# (SCRAPY_SPEC=scrapy==X.Y to pin one), starts the same site (`bench serve`), runs an
# equivalent Scrapy spider at the same concurrencies, each run in its own process measured
# like crawl's (wall time, user + sys CPU and peak RSS from getrusage(RUSAGE_CHILDREN) in a
# wrapper process), and prints Scrapy's figures beside crawl's.
#
# Scrapy runs with crawl's defaults where they differ from Scrapy's bare `runspider`:
# LOG_LEVEL=INFO (Scrapy's is DEBUG, a line per page and per item), ROBOTSTXT_OBEY=True,
# FEED_EXPORT_ENCODING=utf-8. Everything else is Scrapy's default.
set -euo pipefail

PAGES=${1:-20000}
RUNS=${2:-3}
SCRAPY_SPEC=${SCRAPY_SPEC:-scrapy}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

echo "== building the bench example" >&2
cargo build --release -p crawl-examples --example bench >&2
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BENCH="$TARGET_DIR/release/examples/bench"

WORK=$(mktemp -d -t crawl-scrapy-XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== crawl's benchmark: $PAGES pages, $RUNS runs" >&2
"$BENCH" --pages "$PAGES" --runs "$RUNS" --json "$WORK/crawl.json" >"$WORK/crawl.md"

echo "== installing $SCRAPY_SPEC in a temporary virtualenv" >&2
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$SCRAPY_SPEC" >&2
PY="$WORK/venv/bin/python"
SCRAPY_VERSION=$("$PY" -c 'import scrapy; print(scrapy.__version__)')

cat >"$WORK/bench_spider.py" <<'EOF'
import json

import scrapy


class BenchSpider(scrapy.Spider):
    """The benchmark's spider in Scrapy: every quote of every page, every link followed."""

    name = "bench_spider"

    def __init__(self, start_url=None, stats_file=None, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.stats_file = stats_file

    def parse(self, response):
        for quote in response.css("div.quote"):
            yield {
                "text": quote.css("span.text::text").get(),
                "author": quote.css("small.author::text").get(),
                "tags": quote.css("a.tag::text").getall(),
            }
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.parse)

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
        with open(self.stats_file, "w") as out:
            json.dump({"pages": pages, "finish_reason": reason}, out)
EOF

# Runs a command as its only child and prints its wall time, CPU time and peak RSS.
cat >"$WORK/measure.py" <<'EOF'
import json
import resource
import subprocess
import sys
import time

started = time.monotonic()
with open(sys.argv[1], "w") as log:
    status = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log).returncode
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "status": status,
    "wall": wall,
    "cpu": usage.ru_utime + usage.ru_stime,
    "rss_mib": usage.ru_maxrss / 1024.0,  # KiB on Linux
}))
EOF

cat >"$WORK/drive.py" <<'EOF'
import json
import os
import statistics
import subprocess
import sys

bench, work, pages, runs, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
python = sys.executable
scrapy = os.path.join(os.path.dirname(python), "scrapy")

server = subprocess.Popen([bench, "serve", "--pages", str(pages)], stdout=subprocess.PIPE,
                          stdin=subprocess.DEVNULL)
try:
    port = int(server.stdout.readline())
    start = f"http://127.0.0.1:{port}/"
    results = {}
    for run in range(1, runs + 1):
        for c in (32, 128):
            feed = os.path.join(work, f"scrapy-c{c}.jsonl")
            stats_file = os.path.join(work, f"scrapy-c{c}.stats.json")
            log = os.path.join(work, f"scrapy-c{c}.log")
            command = [
                scrapy, "runspider", os.path.join(work, "bench_spider.py"),
                "-a", f"start_url={start}", "-a", f"stats_file={stats_file}",
                "-O", feed,
                "-s", f"CONCURRENT_REQUESTS={c}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={c}",
                "-s", "LOG_LEVEL=INFO", "-s", "ROBOTSTXT_OBEY=True",
                "-s", "FEED_EXPORT_ENCODING=utf-8",
            ]
            out = subprocess.run([python, os.path.join(work, "measure.py"), log] + command,
                                 check=True, capture_output=True, text=True).stdout
            figures = json.loads(out)
            if figures["status"] != 0:
                sys.stderr.write(open(log).read()[-3000:])
                sys.exit(f"scrapy c={c} failed")
            with open(stats_file) as f:
                figures["pages"] = json.load(f)["pages"]
            with open(feed) as f:
                figures["items"] = sum(1 for line in f if line.strip())
            os.remove(feed)
            print(f"scrapy c={c} run {run}/{runs}: {figures['pages']} pages, {figures['items']} items, "
                  f"{figures['wall']:.2f} s, CPU {figures['cpu']:.2f} s, peak RSS {figures['rss_mib']:.1f} MiB",
                  file=sys.stderr)
            results.setdefault(c, []).append(figures)
finally:
    server.kill()

ours = json.load(open(os.path.join(work, "crawl.json")))
med = lambda rows, key: statistics.median(r[key] for r in rows)
print(f"\nScrapy {version} vs crawl on the synthetic site: {pages} pages, median of {runs} run(s).\n")
print("| configuration | pages | items | wall s | pages/s | CPU s | peak RSS MiB | Scrapy / crawl wall | Scrapy / crawl CPU |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
warnings = []
for c in (32, 128):
    s = {k: med(results[c], k) for k in ("pages", "items", "wall", "cpu", "rss_mib")}
    rows = [(f"scrapy c={c}", s)] + [
        (f"{r['crawler']} c={c}", r) for r in ours if r["concurrency"] == c
    ]
    crawl = next((r for r in ours if r["concurrency"] == c and r["crawler"] == "crawl"), None)
    for name, r in rows:
        ratio_wall = ratio_cpu = ""
        if name.startswith("scrapy") and crawl:
            ratio_wall = f"{r['wall'] / crawl['wall']:.2f}"
            ratio_cpu = f"{r['cpu'] / crawl['cpu']:.2f}"
        print(f"| {name} | {r['pages']:.0f} | {r['items']:.0f} | {r['wall']:.2f} | {r['pages'] / r['wall']:.0f} "
              f"| {r['cpu']:.2f} | {r['rss_mib']:.1f} | {ratio_wall} | {ratio_cpu} |")
    # Scrapy's start requests are dont_filter=True: a later link to `/` is crawled again.
    if s["pages"] not in (pages, pages + 1) or s["items"] != 3 * s["pages"]:
        warnings.append(f"WARNING: Scrapy c={c} crawled {s['pages']:.0f} pages and {s['items']:.0f} items; "
                        f"the site has {pages} pages and {3 * pages} items")
print()
print("Scrapy counts one page more: its start requests skip the duplicate filter (dont_filter=True), "
      "so the first link back to `/` is crawled a second time.")
for warning in warnings:
    print(warning)
EOF

echo "== Scrapy $SCRAPY_VERSION: $PAGES pages, $RUNS runs" >&2
echo "== crawl's own benchmark"
cat "$WORK/crawl.md"
"$PY" "$WORK/drive.py" "$BENCH" "$WORK" "$PAGES" "$RUNS" "$SCRAPY_VERSION"
