"""A PyTorch rank joining a kvstore barrier through the TCPStore master hosted by the Java sample app.

Usage: /usr/bin/python3 torch_barrier_peer.py HOST PORT NAMESPACE COMPONENT BARRIER PARTIES

It uses torch's own TCPStore client and the kvstore key layout {namespace}/{component}/{key}: the barrier is the
counter barrier/{name}/arrived (ADD) and its outcome barrier/{name}/done, set once by compare-and-set from absent:
"1" by the last party to arrive, "broken" by a Java party whose timeout ran out (the barrier then never passes).
Prints "PASSED", or "BROKEN" and exits 1.
"""
import datetime
import sys

import torch.distributed as dist

host, port, namespace, component, name, parties = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6], int(sys.argv[6])
store = dist.TCPStore(host, port, is_master=False, timeout=datetime.timedelta(seconds=60))
prefix = f"{namespace}/{component}/barrier/{name}/"
arrived = store.add(prefix + "arrived", 1)
print(f"ARRIVED {arrived}", flush=True)
if arrived == parties and store.compare_set(prefix + "done", "", "1") == b"1":
    store.set(prefix + "done", "1")  # torch 1.13 does not wake waiters on compare_set; the value cannot change now
store.wait([prefix + "done"])
if store.get(prefix + "done") != b"1":
    print("BROKEN", flush=True)
    sys.exit(1)
print("PASSED", flush=True)
