"""A real PyTorch TCPStore client (not master) exercising every 1.13 store method against the server under test.

Usage: torch_client_store_ops.py HOST PORT
Prints one 'name=value' line per result for the Java test to assert, then 'DONE'.
"""
import sys
from datetime import timedelta

import torch.distributed as dist

host, port = sys.argv[1], int(sys.argv[2])
store = dist.TCPStore(host, port, is_master=False, timeout=timedelta(seconds=30))


def out(name, value):
    print(f"{name}={value}", flush=True)


store.set("greeting", "hello")
out("get", store.get("greeting").decode())
store.set("binary", bytes([0, 1, 2, 255]))
out("binary", store.get("binary").hex())
out("add1", store.add("counter", 5))
out("add2", store.add("counter", -2))
out("counter", store.get("counter").decode())
out("cas_new", store.compare_set("cas", "", "first").decode())
out("cas_swap", store.compare_set("cas", "first", "second").decode())
out("cas_miss", store.compare_set("cas", "nope", "third").decode())
out("num_keys", store.num_keys())
out("delete", store.delete_key("greeting"))
out("delete_again", store.delete_key("greeting"))
out("num_keys_after_delete", store.num_keys())
store.wait(["counter", "cas"])
out("wait_present", "ok")
try:
    store.wait(["never-set"], timedelta(seconds=1))
    out("wait_timeout", "returned")
except RuntimeError as e:
    out("wait_timeout", "raised " + str(e).replace("\n", " "))
print("DONE", flush=True)
