#!/bin/bash
# The README's "Figures" series: every benchmark it quotes, one after the other, on the
# compiled build when it exists (make compiled), writing the plots into docs/figures.
# Run it on a quiet machine: `bash benchmarks/figures_series.sh | tee series.txt`.
set -u
cd "$(dirname "$0")/.."
if [ -f build/compiled/.built ]; then export PYTHONPATH="$PWD/build/compiled/src"; fi
PY=.venv/bin/python
echo "start $(date -u +%H:%M) load $(cut -d' ' -f1 /proc/loadavg)"
echo "== redis_bench -P 16"
$PY benchmarks/redis_bench.py -n 400000 -c 50 -P 16 --redis-pipeline 1 \
    -t set,get,lpush,lpop,hset,zadd --plot docs/figures/redis-bench.svg
echo "== redis_bench -P 1"
$PY benchmarks/redis_bench.py -n 100000 -P 1 -t set,get
echo "== cpu_per_command"
$PY benchmarks/cpu_per_command.py --runs 3 --reads barrier
echo "== bench sweep"
$PY -m rabia bench --vs pysyncobj --sweep 1000,5000 --duration 8 --plot docs/figures/bench-sweep.svg
echo "== latency"
$PY -m rabia bench --mode latency --rounds 3
echo "== latency, reads both ways"
$PY -m rabia bench --mode latency --reads both --rounds 3
echo "== memory"
$PY benchmarks/kv_memory.py --keys 1000000
echo "end $(date -u +%H:%M)"
