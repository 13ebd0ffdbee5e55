"""A real PyTorch TCPStore peer for the Java client's tests.

Usage: torch_tcpstore_peer.py ROLE HOST PORT WORLD_SIZE [WAIT_FOR_WORKERS]
  ROLE master|worker; WORLD_SIZE an int or "none"; WAIT_FOR_WORKERS 1|0 (default 0 for a master, 1 for a worker).

Prints "PORT <port>" (the port a master on PORT 0 bound) and "READY" once the torch.distributed.TCPStore is constructed, then runs commands read from stdin, one per line,
answering each with one line "R <result>" (values in hex, so any bytes pass):
  set KEY HEX | get KEY | add KEY N | compare_set KEY HEX_EXPECTED HEX_DESIRED | delete KEY | num_keys
  wait KEY TIMEOUT_MS | exit
Errors answer "R ERROR <message>"; a wait that times out answers "R TIMEOUT".
"""
import datetime
import sys

import torch.distributed as dist


def unhex(text):
    return b"" if text == "-" else bytes.fromhex(text)


def main():
    role, host, port, world = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    world_size = None if world == "none" else int(world)
    is_master = role == "master"
    wait_for_workers = (sys.argv[5] == "1") if len(sys.argv) > 5 else not is_master
    store = dist.TCPStore(host, port, world_size, is_master, datetime.timedelta(seconds=60),
                          wait_for_workers=wait_for_workers)
    print("PORT", store.port, flush=True)
    print("READY", flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, args = parts[0], parts[1:]
        try:
            if cmd == "exit":
                print("R BYE", flush=True)
                return
            elif cmd == "set":
                store.set(args[0], unhex(args[1]))
                # torch's set sends and returns without a reply: a round trip on the same connection makes
                # "R OK" mean the master has stored the value, so the Java side can read it at once.
                store.num_keys()
                result = "OK"
            elif cmd == "get":
                result = store.get(args[0]).hex() or "-"
            elif cmd == "add":
                result = str(store.add(args[0], int(args[1])))
            elif cmd == "compare_set":
                result = store.compare_set(args[0], unhex(args[1]), unhex(args[2])).hex() or "-"
            elif cmd == "delete":
                result = str(store.delete_key(args[0]))
            elif cmd == "num_keys":
                result = str(store.num_keys())
            elif cmd == "wait":
                try:
                    store.wait([args[0]], datetime.timedelta(milliseconds=int(args[1])))
                    result = "OK"
                except RuntimeError as e:
                    if "imeout" not in str(e):
                        raise
                    result = "TIMEOUT"
            else:
                result = "ERROR unknown command " + cmd
        except Exception as e:  # reported to the Java test, which fails with it
            result = "ERROR " + repr(e).replace("\n", " ")
        print("R " + result, flush=True)


if __name__ == "__main__":
    main()
