"""A PyTorch TCPStore client constructed with a world size (so it registers under the key "init/"), then either
blocked in store.get(KEY) until someone sets it, or idle until stdin closes.

Usage: torch_client_registered_peer.py HOST PORT WORLD_SIZE KEY|-
Prints 'READY' once constructed; with a KEY, 'WAITING' before the get and 'GOT=<value>' after it.
"""
import sys
from datetime import timedelta

import torch.distributed as dist

host, port, world_size, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = dist.TCPStore(host, port, world_size, is_master=False, timeout=timedelta(seconds=120))
print("READY", flush=True)
if key == "-":
    sys.stdin.read()
else:
    print("WAITING", flush=True)
    print("GOT=" + store.get(key).decode(), flush=True)
