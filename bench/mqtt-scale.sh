#!/usr/bin/env bash
# The 100,000-device run on one box (docs/benchmarks.md, "MQTT connection scale"): builds, then
# starts the platform with its MQTT in worker processes, puts `dojot-red load` on it and draws
# docs/img/mqtt-scale.png. Defaults: 100,000 devices over 127.0.0.x source addresses, 3,333 msg/s
# for 5 minutes, 10 actuations/s to random devices, one MQTT worker per 16,000 devices.
#   bench/mqtt-scale.sh                                  # the full run
#   bench/mqtt-scale.sh --devices 15000 --minutes 1      # a smaller one
# Every flag goes to `npm run bench -- mqtt-scale` (bench/mqtt-scale.ts; `node dist/bench/run.js` lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each process may open this many files: the connections are spread so none needs more.
ulimit -n "$(ulimit -Hn)"
npm run build --silent
exec node dist/bench/run.js mqtt-scale "$@"
