"""PyTorch's own TCPStore master (torch 1.13: the C++ TCPStoreMasterDaemon) for the benchmarks.

Prints "PORT <n>" once listening, then serves until stdin closes or the process is killed.
Arguments: [--cpus=LIST] [PORT]; --cpus pins the master (its daemon thread starts later and inherits it).
"""
import datetime
import os
import resource
import sys

args = sys.argv[1:]
if args and args[0].startswith("--cpus="):  # before torch starts any thread
    os.sched_setaffinity(0, {int(cpu) for cpu in args[0][len("--cpus="):].split(",")})
    args = args[1:]

import torch.distributed as dist  # noqa: E402 (after pinning)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

store = dist.TCPStore("127.0.0.1", int(args[0]) if args else 0, None, True,
                      datetime.timedelta(seconds=600), wait_for_workers=False)
print("PORT", store.port, flush=True)
sys.stdin.read()
