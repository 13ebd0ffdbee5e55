"""PyTorch's own TCPStore master (torch 1.13: the C++ TCPStoreMasterDaemon) for the benchmarks.

Prints "PORT <n>" once listening, then serves until stdin closes or the process is killed.
"""
import datetime
import resource
import sys

import torch.distributed as dist

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

store = dist.TCPStore("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0, None, True,
                      datetime.timedelta(seconds=600), wait_for_workers=False)
print("PORT", store.port, flush=True)
sys.stdin.read()
