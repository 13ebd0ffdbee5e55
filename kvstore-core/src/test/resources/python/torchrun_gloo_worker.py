"""A torchrun worker: one rank of a gloo job that all_reduces rank + 1 and meets at a barrier.

Usage (as torchrun's script): torchrun_gloo_worker.py [--fail-once-rank=R] [--store=HOST:PORT [--hold=KEY]]
Without --store the process group forms through torchrun's environment (env://: the store torchrun gives its workers).
With --store it uses that TCPStore server (the Java master) as a client, under a prefix per rendezvous round (the
round's MASTER_ADDR:MASTER_PORT, which every worker of a round shares). Prints
'RESULT rank=R world=W restart=N store=HOST:PORT sum=S' (with --store, then ' round=ROUND'). With --fail-once-rank,
that rank exits with code 3 before joining in its agent's first attempt (TORCHELASTIC_RESTART_COUNT 0), printing
'FAILING rank=R', so torchrun restarts.
With --hold (and --store), the rank also sets 'results/ROUND/RANK' to the sum through that store before printing, and
afterwards stays up until KEY exists there (at most 180 s), so a test can break the store under running workers; a
store error then exits with code 1.
"""
import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist



def say(line):
    # One write(2) per line: the workers of an agent share its stdout, and print() writes the text and its newline
    # separately, so two workers' lines could interleave ("...sum=10RESULT rank=3 ...").
    os.write(sys.stdout.fileno(), (line + "\n").encode())


options = dict(arg[2:].split("=", 1) for arg in sys.argv[1:])
rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
restart = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
if options.get("fail-once-rank") == str(rank) and restart == 0:
    say(f"FAILING rank={rank}")
    sys.exit(3)

timeout = timedelta(seconds=60)
if "store" in options:
    host, port = options["store"].rsplit(":", 1)
    client = dist.TCPStore(host, int(port), is_master=False, timeout=timeout)
    round_id = os.environ["MASTER_ADDR"] + ":" + os.environ["MASTER_PORT"]
    store = dist.PrefixStore("torchrun-workers/" + round_id, client)
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world, timeout=timeout)
    used = options["store"]
else:
    dist.init_process_group("gloo", timeout=timeout)
    used = os.environ["MASTER_ADDR"] + ":" + os.environ["MASTER_PORT"]
tensor = torch.tensor([float(rank + 1)])
dist.all_reduce(tensor)
dist.barrier()
if "hold" in options:
    # SET has no reply: the GET after it, on the same connection, is answered only once the SET is stored.
    client.set(f"results/{round_id}/{rank}", f"{tensor.item():g}")
    client.get(f"results/{round_id}/{rank}")
say(f"RESULT rank={rank} world={world} restart={restart} store={used} sum={tensor.item():g}"
    + (f" round={round_id}" if "store" in options else ""))
dist.destroy_process_group()
if "hold" in options:
    client.wait([options["hold"]], timedelta(seconds=180))
