"""A PyTorch TCPStore client that does one set/get round trip per stdin line, for tests that attack the master.

Usage: torch_client_round_trips.py HOST PORT
Prints 'READY' once connected. For each stdin line 'RT <n>' it sets 'rt/<n>' and reads it back, then prints
'RT <n> ok <milliseconds>' (or 'RT <n> failed <error>'). 'GET <key>' prints 'VALUE <key> <value>'. Ends at EOF or 'QUIT'.
"""
import sys
import time
from datetime import timedelta

import torch.distributed as dist

host, port = sys.argv[1], int(sys.argv[2])
store = dist.TCPStore(host, port, is_master=False, timeout=timedelta(seconds=30))
print("READY", flush=True)
for line in sys.stdin:
    words = line.split()
    if not words or words[0] == "QUIT":
        break
    if words[0] == "RT":
        n = words[1]
        start = time.monotonic()
        try:
            store.set(f"rt/{n}", f"value-{n}")
            got = store.get(f"rt/{n}").decode()
            outcome = "ok" if got == f"value-{n}" else f"failed read {got!r}"
        except Exception as e:  # reported to the Java test
            outcome = f"failed {e!r}"
        print(f"RT {n} {outcome} {(time.monotonic() - start) * 1000:.1f}", flush=True)
    elif words[0] == "GET":
        print(f"VALUE {words[1]} {store.get(words[1]).decode()}", flush=True)
