"""Prints what a PythonRuntime runs: "TORCH <version>", then "LIBUV <True|False>" for a master TCPStore built with
the default arguments (torch 2.2+ has the attribute libuvBackend; older torch prints "LIBUV none")."""
import datetime

import torch
import torch.distributed as dist

print("TORCH " + torch.__version__, flush=True)
store = dist.TCPStore("127.0.0.1", 0, None, True, datetime.timedelta(seconds=30), wait_for_workers=False)
print("LIBUV " + str(getattr(store, "libuvBackend", "none")), flush=True)
