"""A PyTorch TCPStore client that blocks in store.get() until the Java side sets the key.

Usage: torch_client_wait_for_java.py HOST PORT KEY
Prints 'WAITING' before the get, then 'GOT=<value>'.
"""
import sys
from datetime import timedelta

import torch.distributed as dist

host, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = dist.TCPStore(host, port, is_master=False, timeout=timedelta(seconds=60))
print("WAITING", flush=True)
print("GOT=" + store.get(key).decode(), flush=True)
