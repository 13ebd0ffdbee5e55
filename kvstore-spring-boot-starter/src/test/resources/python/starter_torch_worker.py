# A PyTorch rank of a torchrun-style job whose TCPStore master is a Spring application: registers (world size given),
# writes a key in the starter's default layout, then waits for the Java side's answer and prints it.
import sys
from datetime import timedelta

import torch.distributed as dist

port, world_size = int(sys.argv[1]), int(sys.argv[2])
store = dist.TCPStore("127.0.0.1", port, world_size, False, timedelta(seconds=60))
store.set("default/tensorbus/from-torch", "hello from torch")
answer = store.get("default/tensorbus/from-java")
print("GOT " + answer.decode(), flush=True)
