# A real PyTorch 1.13 TCPStore peer for the sample app's lifecycle tests.
#   master PORT        : hosts a master (no world size), prints "READY <port>", serves until stdin closes.
#   worker PORT WORLD  : joins the Java master as a worker of a job of WORLD processes (registers on init/),
#                        prints "REGISTERED", then stays until stdin closes.
import sys
from datetime import timedelta

import torch.distributed as dist

role, port = sys.argv[1], int(sys.argv[2])
if role == "master":
    store = dist.TCPStore("127.0.0.1", port, None, True, timedelta(seconds=60), wait_for_workers=False)
    print("READY %d" % port, flush=True)
else:
    store = dist.TCPStore("127.0.0.1", port, int(sys.argv[3]), False, timedelta(seconds=60))
    print("REGISTERED", flush=True)
sys.stdin.readline()
