"""One rank of a real torch.distributed job (gloo) whose store is the TCPStore server under test.

Usage: torch_client_gloo_rank.py HOST PORT RANK WORLD_SIZE [store-only]
Registers with world_size (ADD init/), exchanges a key with every other rank through the store, then runs
init_process_group("gloo", store=...) and an all_reduce of rank + 1. Prints 'PEERS=...', 'ALLREDUCE=<sum>', 'DONE'.

With "store-only" the ranks may run different torch versions (whose process groups use different store keys and
cannot form one gloo group): the sum goes through the store (ADD, then a barrier of ADD + WAIT) instead.
"""
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

host, port, rank, world_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = dist.TCPStore(host, port, world_size, False, timeout=timedelta(seconds=60))

store.add("joined", 1)
store.set(f"rank/{rank}", f"hello from {rank}")
store.wait([f"rank/{r}" for r in range(world_size)])
print("PEERS=" + ",".join(store.get(f"rank/{r}").decode() for r in range(world_size)), flush=True)

if len(sys.argv) > 5 and sys.argv[5] == "store-only":
    store.add("sum", rank + 1)
    if store.add("arrived", 1) == world_size:
        store.set("all-arrived", "1")
    store.wait(["all-arrived"])
    print("ALLREDUCE=" + store.get("sum").decode(), flush=True)
    print("DONE", flush=True)
    sys.exit(0)

dist.init_process_group("gloo", store=store, rank=rank, world_size=world_size, timeout=timedelta(seconds=60))
tensor = torch.tensor([float(rank + 1)])
dist.all_reduce(tensor)
print(f"ALLREDUCE={tensor.item():g}", flush=True)
dist.barrier()
dist.destroy_process_group()
print("DONE", flush=True)
