"""python-etcd3 (Debian python3-etcd3, the client of the Python reference implementation) against a local etcd.

Keys follow the shared layout {namespace}/{component}/{key}. Results are JSON lines on stdout:

  latency HOST PORT OP N                    -> {"p50_us", "p99_us", "ops_per_s"}      (sequential set or get)
  throughput HOST PORT OP THREADS WARMUP S  -> {"ops": n, "seconds": s}               (threads share one client)
  wake HOST PORT N                          -> {"p50_us", "p99_us"}  set -> a waiting wait_for_key returns
  wakekeys HOST PORT RANKS ROUNDS           -> {"p50_us", "p99_us", "round_p50_ms"}   last rank's set -> wait_for_keys

Waits are written as the reference does them: a watch registered first, then a read, then the watch events.
"""
import json
import sys
import threading
import time

import etcd3

PREFIX = "bench/py/"
VALUE = b"v" * 16


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def summary(samples_ns):
    samples_ns.sort()
    return {"p50_us": percentile(samples_ns, 0.50) / 1000, "p99_us": percentile(samples_ns, 0.99) / 1000}


def operation(client, op, index):
    key = PREFIX + "k%d" % index
    client.put(key, VALUE)
    if op == "set":
        return lambda: client.put(key, VALUE)
    if op == "get":
        return lambda: client.get(key)
    raise SystemExit("unknown op " + op)


def latency(client, op, n):
    run = operation(client, op, 0)
    for _ in range(max(50, n // 10)):
        run()
    samples = []
    clock = time.perf_counter_ns
    begin = clock()
    for _ in range(n):
        t0 = clock()
        run()
        samples.append(clock() - t0)
    result = summary(samples)
    result["ops_per_s"] = n / ((clock() - begin) / 1e9)
    return result


def throughput(client, op, threads, warmup, seconds):
    gate = threading.Barrier(threads + 1)
    counts, starts, ends = [0] * threads, [0.0] * threads, [0.0] * threads

    def worker(i):
        run = operation(client, op, i)
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            run()
        gate.wait()
        starts[i] = time.perf_counter()
        deadline = starts[i] + seconds
        n = 0
        while time.perf_counter() < deadline:
            run()
            n += 1
        ends[i] = time.perf_counter()
        counts[i] = n

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    gate.wait()
    for t in workers:
        t.join()
    return {"ops": sum(counts), "seconds": max(ends) - min(starts)}


def wait_for_key(client, key, timeout=60):
    arrived = threading.Event()
    watch_id = client.add_watch_callback(key, lambda response: arrived.set())
    try:
        value, _ = client.get(key)
        if value is None and not arrived.wait(timeout):
            raise TimeoutError(key)
        return client.get(key)[0]
    finally:
        client.cancel_watch(watch_id)


def wait_for_keys(client, prefix, count, value=b"1", timeout=60):
    seen = set()
    lock = threading.Lock()
    done = threading.Event()

    def note(key, v):
        if v == value:
            with lock:
                seen.add(key)
                if len(seen) >= count:
                    done.set()

    def on_events(response):
        for event in getattr(response, "events", []):
            note(event.key, event.value)

    watch_id = client.add_watch_prefix_callback(prefix, on_events)
    try:
        for v, meta in client.get_prefix(prefix):
            note(meta.key, v)
        if not done.wait(timeout):
            raise TimeoutError("%d of %d under %s" % (len(seen), count, prefix))
        return sorted(seen)
    finally:
        client.cancel_watch(watch_id)


def wake(host, port, n):
    waiter, setter = etcd3.client(host=host, port=port), etcd3.client(host=host, port=port)
    samples = []
    for i in range(n + 10):
        key = PREFIX + "wake/%d" % i
        woke = [0]
        ready = threading.Event()

        def wait():
            ready.set()
            wait_for_key(waiter, key)
            woke[0] = time.perf_counter_ns()

        t = threading.Thread(target=wait)
        t.start()
        ready.wait()
        time.sleep(0.02)  # let the waiter register its watch
        t0 = time.perf_counter_ns()
        setter.put(key, b"1")
        t.join()
        if i >= 10:
            samples.append(woke[0] - t0)
    return summary(samples)


def wakekeys(host, port, ranks, rounds):
    waiter, setter = etcd3.client(host=host, port=port), etcd3.client(host=host, port=port)
    samples, round_times = [], []
    for r in range(rounds + 1):
        prefix = PREFIX + "r%d-%d/" % (ranks, r)
        woke = [0]

        def wait():
            wait_for_keys(waiter, prefix + "rank:", ranks)
            woke[0] = time.perf_counter_ns()

        t = threading.Thread(target=wait)
        t.start()
        time.sleep(0.02)
        begin = time.perf_counter_ns()
        for i in range(ranks - 1):
            setter.put(prefix + "rank:%d" % i, b"1")
        t0 = time.perf_counter_ns()
        setter.put(prefix + "rank:%d" % (ranks - 1), b"1")
        t.join()
        if r > 0:
            samples.append(woke[0] - t0)
            round_times.append(woke[0] - begin)
    result = summary(samples)
    round_times.sort()
    result["round_p50_ms"] = percentile(round_times, 0.5) / 1e6
    return result


def main(argv):
    mode, host, port = argv[0], argv[1], int(argv[2])
    if mode == "latency":
        result = latency(etcd3.client(host=host, port=port), argv[3], int(argv[4]))
    elif mode == "throughput":
        result = throughput(etcd3.client(host=host, port=port), argv[3], int(argv[4]), float(argv[5]),
                            float(argv[6]))
    elif mode == "wake":
        result = wake(host, port, int(argv[3]))
    elif mode == "wakekeys":
        result = wakekeys(host, port, int(argv[3]), int(argv[4]))
    else:
        raise SystemExit("unknown mode " + mode)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
