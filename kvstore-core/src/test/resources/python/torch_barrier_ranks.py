"""Torch TCPStore ranks (threads, one TCPStore each) doing barriers round after round until told to stop.

Usage: torch_barrier_ranks.py HOST PORT WORLD
PORT may be a comma-separated list (masters serving one job, e.g. gateways on etcd): rank r uses port r % count.
Per round every rank sets 'ack/<rank>/<round>' (its acknowledged write), arrives at the barrier with add, and waits
for 'barrier/<round>/done'. The last to arrive reads the 'stop' counter (the Java test adds to it) and writes 'stop'
or 'go' there, so every rank ends after the same round. After each barrier a rank checks every peer's ack of the round.
Prints 'ROUND <n>' per round (rank 0), 'DONE <rounds>' at the end, 'ERROR ...' and exit code 1 on any failure.
"""
import os
import sys
import threading
from datetime import timedelta

import torch.distributed as dist

host, ports, world = sys.argv[1], [int(p) for p in sys.argv[2].split(",")], int(sys.argv[3])
stores = [dist.TCPStore(host, ports[rank % len(ports)], is_master=False, timeout=timedelta(seconds=120))
          for rank in range(world)]
rounds_done = [0] * world
errors = []
lock = threading.Lock()


def rank_loop(rank):
    store = stores[rank]
    r = 0
    try:
        while True:
            store.set(f"ack/{rank}/{r}", str(r))
            if store.add(f"barrier/{r}", 1) == world:
                store.set(f"barrier/{r}/done", "stop" if store.add("stop", 0) > 0 else "go")
            store.wait([f"barrier/{r}/done"])
            for peer in range(world):
                seen = store.get(f"ack/{peer}/{r}").decode()
                if seen != str(r):
                    raise AssertionError(f"rank {rank} read {seen!r} for the ack of rank {peer} in round {r}")
            decision = store.get(f"barrier/{r}/done").decode()
            r += 1
            rounds_done[rank] = r
            if rank == 0:
                with lock:
                    print(f"ROUND {r}", flush=True)
            if decision == "stop":
                return
    except Exception as e:  # reported to the Java test
        with lock:
            errors.append(e)
            print(f"ERROR rank {rank}: {e!r}", flush=True)


threads = [threading.Thread(target=rank_loop, args=(rank,)) for rank in range(world)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"DONE {min(rounds_done)}", flush=True)
sys.stdout.flush()
os._exit(1 if errors or len(set(rounds_done)) != 1 else 0)
