"""One rank of a gloo job whose TCPStore is a gateway that a test may kill while the rank waits.

Usage: torch_rank_through_dying_gateway.py HOST PORT RANK WORLD_SIZE
Forms the gloo group through the store, all_reduces rank + 1 (prints 'ALLREDUCE=<sum>'), sets 'key/RANK' (read back,
so it is stored), prints 'READY', then waits for the key 'release' (60 s store timeout). Prints
'WOKEN=<release's value>' when woken, or 'RAISED <exception type> <seconds waited>' when the store fails under it.
Exits 0 either way: the test judges the line.
"""
import os
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist

host, port, rank, world_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
timeout = timedelta(seconds=60)
store = dist.TCPStore(host, port, world_size, False, timeout=timeout)
dist.init_process_group("gloo", store=store, rank=rank, world_size=world_size, timeout=timeout)
tensor = torch.tensor([float(rank + 1)])
dist.all_reduce(tensor)
print(f"ALLREDUCE={tensor.item():g}", flush=True)
store.set(f"key/{rank}", f"value of {rank}")
store.get(f"key/{rank}")
print("READY", flush=True)

started = time.monotonic()
try:
    store.wait(["release"], timeout)
    print("WOKEN=" + store.get("release").decode(), flush=True)
except Exception as error:  # torch 1.13: RuntimeError; 2.6: DistNetworkError or DistStoreError
    print(f"RAISED {type(error).__name__} {time.monotonic() - started:.1f}", flush=True)
# The gloo peers on the dead gateway are gone: skip the process group's teardown.
os._exit(0)
