"""A torch TCPStore client that loops set/get and reports its slowest round trip, for "does X disturb the master".

Usage: torch_latency_client.py HOST PORT
Prints "READY" once connected and looping. Commands on stdin, one per line:
  start  -> forgets what was measured so far, answers "R STARTED"
  stop   -> waits until the round trip in flight has ended (so a stall ending just now is counted), then answers
            "R <max round trip in ms> <round trips since start>"
  exit
A set+get that fails answers the next stop with "R ERROR <message>".
"""
import datetime
import sys
import threading
import time

import torch.distributed as dist


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    store = dist.TCPStore(host, port, None, False, datetime.timedelta(seconds=30))
    lock = threading.Lock()
    state = {"max": 0.0, "count": 0, "total": 0, "error": None}

    def loop():
        i = 0
        while True:
            i += 1
            start = time.perf_counter()
            try:
                store.set("latency/probe", str(i))
                store.get("latency/probe")
            except Exception as e:  # reported with the next stop
                with lock:
                    state["error"] = repr(e)
                return
            took = time.perf_counter() - start
            with lock:
                state["max"] = max(state["max"], took)
                state["count"] += 1
                state["total"] += 1

    threading.Thread(target=loop, daemon=True).start()
    print("READY", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "start":
            with lock:
                state["max"], state["count"] = 0.0, 0
            print("R STARTED", flush=True)
        elif cmd == "stop":
            with lock:
                seen = state["total"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with lock:
                    if state["total"] >= seen + 2 or state["error"]:
                        break
                time.sleep(0.001)
            with lock:
                if state["error"]:
                    print("R ERROR " + state["error"], flush=True)
                else:
                    print("R %.1f %d" % (state["max"] * 1000, state["count"]), flush=True)
        elif cmd == "exit":
            return


if __name__ == "__main__":
    main()
