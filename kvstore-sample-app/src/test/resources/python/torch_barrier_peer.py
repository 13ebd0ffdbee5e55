"""A PyTorch rank joining a kvstore barrier through the TCPStore master hosted by the Java sample app.

Usage: /usr/bin/python3 torch_barrier_peer.py HOST PORT NAMESPACE COMPONENT BARRIER PARTIES

It uses torch's own TCPStore client and the kvstore key layout {namespace}/{component}/{key}: the barrier is the
counter barrier/{name}/arrived (ADD) and the flag barrier/{name}/done, set by the last party to arrive.
"""
import datetime
import sys

import torch.distributed as dist

host, port, namespace, component, name, parties = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6], int(sys.argv[6])
store = dist.TCPStore(host, port, is_master=False, timeout=datetime.timedelta(seconds=60))
prefix = f"{namespace}/{component}/barrier/{name}/"
arrived = store.add(prefix + "arrived", 1)
print(f"ARRIVED {arrived}", flush=True)
if arrived == parties:
    store.set(prefix + "done", "1")
else:
    store.wait([prefix + "done"])
print("PASSED", flush=True)
