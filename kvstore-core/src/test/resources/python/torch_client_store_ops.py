"""A real PyTorch TCPStore client (not master) exercising every store method its torch has against the server under test.

Usage: torch_client_store_ops.py HOST PORT
Prints one 'name=value' line per result for the Java test to assert, then 'DONE'. The 1.13 methods always; with torch
2.x also check, append, multi_get, multi_set; list_keys and clone where the torch has them (2.10+); and
queue_push/queue_pop/queue_len where the torch has them ('queue=absent' where it does not, 'queue=refused ...' where its
Python client refuses them, as Debian's builds without libuv do).
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

if hasattr(store, "multi_get"):
    out("check_present", store.check(["counter", "cas"]))
    out("check_missing", store.check(["counter", "never-set"]))
    store.set("log", "a")
    store.append("log", "bc")
    store.append("fresh", bytes([0, 255]))
    out("append", store.get("log").decode())
    out("append_new", store.get("fresh").hex())
    store.multi_set(["m1", "m2", "m3"], ["one", "", bytes([7])])
    out("multi_get", ",".join(v.hex() or "-" for v in store.multi_get(["m3", "m1", "m2", "log"])))
    out("num_keys_extended", store.num_keys())
    store.wait(["m1", "m2"], timedelta(seconds=5))
    out("wait_present_timeout", "ok")
    try:
        store.wait(["never-set", "m1"], timedelta(milliseconds=500))
        out("wait_timeout_after", "returned")
    except RuntimeError as e:
        out("wait_timeout_after", "raised " + str(e).replace("\n", " "))
    # The connection stays usable after a timed-out wait.
    out("after_timeout", store.add("after", 1))
    if hasattr(store, "list_keys"):
        out("list_keys", ",".join(sorted(store.list_keys())))
    if hasattr(store, "clone"):
        twin = store.clone()
        twin.set("from_clone", "cloned")
        out("clone", store.get("from_clone").decode())
        out("clone_add", twin.add("counter", 0))  # the clone sees the same store
    if hasattr(store, "queue_push"):
        try:
            store.queue_push("q", "first")
        except RuntimeError as e:
            out("queue", "refused " + str(e).replace("\n", " "))
        else:
            store.queue_push("q", "second")
            out("queue_len", store.queue_len("q"))
            out("queue_pop", store.queue_pop("q").decode())
            out("queue_len_after", store.queue_len("q"))
    else:
        out("queue", "absent")
print("DONE", flush=True)
