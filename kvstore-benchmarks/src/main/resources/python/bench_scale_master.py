"""PyTorch's own TCPStore master as the master of a rendezvous, for the scale suite.

Usage: bench_scale_master.py PORT WORLD_SIZE TIMEOUT_S
Constructs TCPStore("127.0.0.1", PORT, WORLD_SIZE, is_master=True) with wait_for_workers=True, as rank 0 of a job does
(without libuv on Debian's 2.x builds: the runtime's sitecustomize defaults it off), and prints "INIT_DONE <epoch us>"
when the constructor returns (every process registered), or "INIT_FAILED <epoch us> <reason>". Then serves until stdin
closes.
"""
import datetime
import resource
import sys
import time

import torch.distributed as dist

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, world, timeout = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
try:
    store = dist.TCPStore("127.0.0.1", port, world, True, datetime.timedelta(seconds=timeout),
                          wait_for_workers=True)
    print("INIT_DONE", int(time.time() * 1e6), flush=True)
except Exception as e:  # a timeout or a refused start is the result being measured
    print("INIT_FAILED", int(time.time() * 1e6), str(e).replace("\n", " ")[:300], flush=True)
sys.stdin.read()
