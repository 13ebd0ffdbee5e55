"""Load from real PyTorch TCPStore clients (torch.distributed.TCPStore, is_master=False).

One TCPStore object is one client connection (plus torch 1.13's idle callback connection); every object is driven
by its own thread (the C++ calls release the GIL). Results are JSON lines on stdout:

  throughput HOST PORT OP CONNS WARMUP_S SECONDS  -> {"ops": n, "seconds": s, "segments": m}
  latency HOST PORT OP N                          -> {"p50_us": x, "p99_us": y, "ops_per_s": z}
  barrier HOST PORT WORLD ROUNDS PREFIX WARMUP    -> {"seconds": [round times]} (after WARMUP unreported rounds)

An optional first argument --cpus=1,2 pins the process (and the threads it starts) to those CPUs.

OP is set, get or add. Throughput ends every connection with a round trip, so fire-and-forget SETs are counted
only once the server has processed them.
"""
import datetime
import json
import os
import resource
import sys
import threading
import time

import torch.distributed as dist

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
TIMEOUT = datetime.timedelta(seconds=300)
VALUE = b"v" * 16


def connect(host, port):
    return dist.TCPStore(host, port, None, False, TIMEOUT)


def operation(store, op, index):
    if op == "set":
        keys = ["s%d_%d" % (index, i) for i in range(64)]
        state = [0]

        def run():
            state[0] = (state[0] + 1) & 63
            store.set(keys[state[0]], VALUE)
            if state[0] == 0:
                store.num_keys()  # bounds the unacknowledged SETs in flight to 64 per connection
        return run
    if op == "get":
        key = "g%d" % index
        store.set(key, VALUE)
        return lambda: store.get(key)
    if op == "add":
        return lambda: store.add("ctr", 1)
    raise SystemExit("unknown op " + op)


def throughput(host, port, op, conns, warmup, seconds):
    stores = [connect(host, port) for _ in range(conns)]
    start_barrier = threading.Barrier(conns + 1)
    counts, starts, ends = [0] * conns, [0.0] * conns, [0.0] * conns

    def worker(i):
        run = operation(stores[i], op, i)
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            run()
        stores[i].num_keys()
        start_barrier.wait()
        starts[i] = time.perf_counter()
        deadline = starts[i] + seconds
        n = 0
        while True:
            run()
            n += 1
            if (n & 15) == 0 and time.perf_counter() >= deadline:
                break
        stores[i].num_keys()  # a round trip: everything sent before has been processed
        ends[i] = time.perf_counter()
        counts[i] = n

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for t in threads:
        t.start()
    start_barrier.wait()
    segments_before = tcp_segments_sent()
    for t in threads:
        t.join()
    segments = tcp_segments_sent() - segments_before
    print(json.dumps({"ops": sum(counts), "seconds": max(ends) - min(starts), "segments": segments}), flush=True)


def tcp_segments_sent():
    """The host's TCP OutSegs (/proc/net/snmp): on loopback, every segment of every connection, ACKs included."""
    with open("/proc/net/snmp") as snmp:
        tcp = [line.split() for line in snmp if line.startswith("Tcp:")]
    return int(tcp[1][tcp[0].index("OutSegs")])


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def latency(host, port, op, n):
    store = connect(host, port)
    run = operation(store, op, 0)
    for _ in range(max(100, n // 10)):
        run()
    store.num_keys()
    samples = []
    clock = time.perf_counter_ns
    begin = clock()
    for _ in range(n):
        t0 = clock()
        run()
        samples.append(clock() - t0)
    store.num_keys()
    total = (clock() - begin) / 1e9
    samples.sort()
    print(json.dumps({"p50_us": percentile(samples, 0.50) / 1000, "p99_us": percentile(samples, 0.99) / 1000,
                      "ops_per_s": n / total}), flush=True)


def barrier(host, port, world, rounds, prefix, warmup):
    stores = [connect(host, port) for _ in range(world)]
    total = warmup + rounds
    gate = threading.Barrier(world + 1)
    starts = [[0.0] * world for _ in range(total)]
    ends = [[0.0] * world for _ in range(total)]

    def rank(i):
        store = stores[i]
        for r in range(total):
            key = "%s/b%d" % (prefix, r)
            gate.wait()
            starts[r][i] = time.perf_counter()
            if store.add(key, 1) == world:
                store.set(key + "/done", b"1")
            store.wait([key + "/done"])
            ends[r][i] = time.perf_counter()
            gate.wait()

    threads = [threading.Thread(target=rank, args=(i,)) for i in range(world)]
    for t in threads:
        t.start()
    for r in range(total):
        gate.wait()  # start round r
        gate.wait()  # round r done everywhere
    for t in threads:
        t.join()
    print(json.dumps({"seconds": [max(ends[r]) - min(starts[r]) for r in range(warmup, total)]}), flush=True)


def pin(argv):
    """Applies and removes a leading --cpus=LIST argument."""
    if argv and argv[0].startswith("--cpus="):
        os.sched_setaffinity(0, {int(cpu) for cpu in argv[0][len("--cpus="):].split(",")})
        return argv[1:]
    return argv


def main(argv):
    argv = pin(argv)
    mode, host, port = argv[0], argv[1], int(argv[2])
    if mode == "throughput":
        throughput(host, port, argv[3], int(argv[4]), float(argv[5]), float(argv[6]))
    elif mode == "latency":
        latency(host, port, argv[3], int(argv[4]))
    elif mode == "barrier":
        barrier(host, port, int(argv[3]), int(argv[4]), argv[5], int(argv[6]))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv[1:])
