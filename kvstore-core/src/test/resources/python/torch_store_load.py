"""Many real PyTorch TCPStore clients (threads, one TCPStore each) doing mixed operations and waits.

Usage: torch_store_load.py HOST PORT PROCESS_INDEX PROCESSES THREADS ROUNDS
Client ids are PROCESS_INDEX * THREADS + thread. Per round every client sets its key, ADDs to a shared counter,
tries to claim the round with compare_set, waits for the key of the next client (ring over all processes), reads
and checks it, then waits for 'py/go/<round>' which the Java test sets once every client waits for it.
Prints 'ADD <counter> <result>', 'WIN <round> <id>', then 'DONE' (or 'ERROR ...' lines and exit code 1).
"""
import os
import sys
import threading
from datetime import timedelta

import faulthandler

import torch.distributed as dist

faulthandler.enable()

host, port = sys.argv[1], int(sys.argv[2])
process_index, processes, threads, rounds = (int(a) for a in sys.argv[3:7])
clients = processes * threads
COUNTERS = 4
print_lock = threading.Lock()
# torch 1.13 segfaults now and then (faulthandler: inside compare_set) when threads of one process call compare_set
# concurrently; newer releases release the GIL only around the store call and build the result with it held. get
# builds its result the same way: once a get returned another thread's compare_set result (client 35 read '37', the
# round's winner) just before the process segfaulted. So calls that return bytes are serialised within a process;
# they still race across processes, and waits (which return nothing) stay concurrent.
result_lock = threading.Lock()
errors = []
# One TCPStore per thread, created up front and kept alive until os._exit (see the end).
stores = [dist.TCPStore(host, port, is_master=False, timeout=timedelta(seconds=60)) for _ in range(threads)]


def out(line):
    with print_lock:
        print(line, flush=True)


def run(thread):
    me = process_index * threads + thread
    try:
        store = stores[thread]
        for r in range(rounds):
            store.set(f"py/r{r}/c{me}", f"v-{r}-{me}")
            counter = me % COUNTERS
            out(f"ADD {counter} {store.add(f'py/counter/{counter}', 1)}")
            with result_lock:
                claimed = store.compare_set(f"py/claim/{r}", "", str(me))
            if claimed.decode() == str(me):
                out(f"WIN {r} {me}")
            peer = (me + 1) % clients
            store.wait([f"py/r{r}/c{peer}"])
            with result_lock:
                seen = store.get(f"py/r{r}/c{peer}").decode()
            if seen != f"v-{r}-{peer}":
                raise AssertionError(f"client {me} read {seen!r} for client {peer} in round {r}")
            store.wait([f"py/go/{r}"])
    except Exception as e:  # reported to the Java test
        errors.append(e)
        out(f"ERROR client {me}: {e!r}")


workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("DONE", flush=True)
sys.stdout.flush()
# Skip interpreter teardown: torch 1.13 sometimes segfaults (exit 139) destroying many TCPStores at exit.
os._exit(1 if errors else 0)
