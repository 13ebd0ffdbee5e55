"""A real PyTorch worker rank whose bytes RankSimulatorBytesTest records: the rank the simulator replays.

Usage: torch_rank_bytes.py HOST PORT GROUP
Constructs TCPStore(HOST, PORT, world_size=2, is_master=False) (it registers with ADD init/ 1, waiting for nobody),
runs the store-based barrier of PyTorch's "Introduction to Libuv TCPStore Backend" tutorial once as the only rank of
group GROUP, prints "PID <pid>" and "DONE", then keeps its connections open until stdin closes.
"""
import datetime
import os
import sys

import torch.distributed as dist

host, port, group = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = dist.TCPStore(host, port, 2, False, datetime.timedelta(seconds=60))

# The tutorial's barrier: arrive, count, the last arrival sets the key every rank waits for.
key = "store_based_barrier_key:" + group
store.add(key, 1)
arrived = store.add(key, 0)
last_worker = key + ":last_worker"
if arrived == 1:
    store.set(last_worker, "1")
store.wait([last_worker], datetime.timedelta(seconds=30))

print("PID", os.getpid(), flush=True)
print("DONE", flush=True)
sys.stdin.read()
