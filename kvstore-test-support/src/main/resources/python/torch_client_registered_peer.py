"""A PyTorch TCPStore client constructed with a world size (so it registers under the key "init/"), then blocked in
store.get(KEY) until someone sets it, or setting KEY to VALUE, or idle; it stays connected until stdin closes.

Usage: torch_client_registered_peer.py HOST PORT WORLD_SIZE KEY|- [VALUE]
Prints 'READY' once constructed; with a KEY alone, 'WAITING' before the get and 'GOT=<value>' after it; with a VALUE,
'SET' once it is set.
"""
import sys
from datetime import timedelta

import torch.distributed as dist

host, port, world_size, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
value = sys.argv[5] if len(sys.argv) > 5 else None
store = dist.TCPStore(host, port, world_size, is_master=False, timeout=timedelta(seconds=120))
print("READY", flush=True)
if value is not None:
    store.set(key, value)
    print("SET", flush=True)
elif key != "-":
    print("WAITING", flush=True)
    print("GOT=" + store.get(key).decode(), flush=True)
sys.stdin.read()
