#!/bin/bash
# The pool scenario run on an H200 (docs/nvidia.md, "On an H200"): one silo on this machine's cards, an offline task, an
# online task whose measured demand pauses it, and a training task that moves the paused task's memory to host; then
# the training task ends and the memory comes back. It prints what happened (task states, process states, nvidia-smi's
# processes, the pool's events, the silo's demand and memory lines); it judges nothing itself.
#
# Usage: pool-scenario.sh BIN PROBE
#   BIN: a folder with Orion.Silo and orion (dotnet publish src/Silo and src/Cli, self-contained, into one folder)
#   PROBE: orion-gpu-probe built from this folder (nvcc -O2 -o orion-gpu-probe orion-gpu-probe.cu)
# It takes the card's memory in 80, 20 and 100 GiB reservations (the probes hold 4, 1 and 2 GiB), so it wants a card
# of about 140 GiB; the silo listens on localhost:5000 and 30000 and writes its log and the tasks' to /tmp.
set -u
B=$1; P=$2
S=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - S )) s)"; }
procs() { ps -eo pid,pgid,stat,args | grep '[p]robe [0-9]'; nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader; }
tasks() { $O ls | grep -v '^[┌├└]'; }
O="$B/orion"
(cd $B && exec ./Orion.Silo --Orion:Embedded:Backend=nvidia --Orion:Pool:MemoryOversubscription=2 --Orion:Embedded:TaskLogDirectory=/tmp/silo-tasks3 > /tmp/silo3.log 2>&1) &
SILO=$!
for i in $(seq 90); do curl -sf localhost:5000/api/nodes 2>/dev/null | grep -q nvidia && break; sleep 1; done
step "silo up"
A=$($O submit -q --name offline-a --tenant t1 --priority offline --compute 60 --memory 80GiB --command "$P 4096 1000 0"); echo "A=$A"
sleep 5; step "A running"; tasks; procs
BB=$($O submit -q --name online-b --tenant t2 --priority online --compute 60 --memory 20GiB --command "$P 1024 10 1000"); echo "B=$BB"
sleep 4; step "B busy"; tasks; procs
C=$($O submit -q --name train-c --tenant t3 --priority training --compute 60 --memory 100GiB --command "$P 2048 1000 0"); echo "C=$C"
sleep 6; step "C arrived"; tasks; $O get $A | grep -v '^[┌├└]'; procs
sleep 8; step "B quiet"; tasks; procs
$O cancel $C; sleep 8; step "C cancelled"; tasks; $O get $A | grep -v '^[┌├└]'; procs
sleep 4; step "A after"; tail -n 3 /tmp/silo-tasks3/$A.1.log; tasks; procs
$O cancel $A; $O cancel $BB; sleep 2
step events
curl -s "localhost:5000/api/events?limit=200" | python3 -c 'import json,sys; [print(e["at"][11:23], e["kind"], e["taskId"], e.get("detail",""), e.get("bytes","")) for e in json.load(sys.stdin)]'
kill $SILO; wait $SILO
step "silo log"
grep -E "busy|idle|paused|memory to host|swap|warn|fail|error" -i /tmp/silo3.log | head -40
for f in /tmp/silo-tasks3/*; do echo "-- $f"; grep -c "words right" $f; grep -i "wrong\|error\|out of memory" $f | head -3; tail -n 2 $f; done
