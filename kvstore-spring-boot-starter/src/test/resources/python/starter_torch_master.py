# A real PyTorch TCPStore master for the starter's tests: prints "READY <port>" once listening, then serves until
# stdin closes or the process is killed.
import sys
from datetime import timedelta

import torch.distributed as dist

port = int(sys.argv[1])
store = dist.TCPStore("127.0.0.1", port, None, True, timedelta(seconds=60), wait_for_workers=False)
store.set("torch/ready", "1")
print("READY %d" % port, flush=True)
sys.stdin.readline()
