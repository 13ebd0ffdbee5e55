"""A python-etcd3 peer for the Java etcd backend's interop tests.

Usage: etcd_interop.py HOST PORT COMMAND ARGS...
  read KEY...            print "VALUE <key> <hex>" (or "VALUE <key> MISSING") for each key
  write KEY HEX [...]    put each key with the hex-decoded bytes, print "WROTE <key>" for each
  wait KEY TIMEOUT_S     watch the key, print "WATCHING", then print "VALUE <key> <hex>" once it exists
Keys are used exactly as given: the Java side's layout is {namespace}/{component}/{key}.
"""
import sys

import etcd3


def main():
    host, port, command, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    client = etcd3.client(host=host, port=port, timeout=10)
    if command == "read":
        for key in args:
            value, _ = client.get(key)
            print("VALUE", key, "MISSING" if value is None else value.hex())
    elif command == "write":
        for key, hex_value in zip(args[0::2], args[1::2]):
            client.put(key, bytes.fromhex(hex_value))
            print("WROTE", key)
    elif command == "wait":
        key, timeout = args[0], float(args[1])
        # Watch first, then read: a put between the two is seen by one of them.
        events, cancel = client.watch(key)
        print("WATCHING")
        value, _ = client.get(key)
        if value is None:
            for event in events:
                if isinstance(event, etcd3.events.PutEvent):
                    value = event.value
                    break
        cancel()
        print("VALUE", key, value.hex())
    else:
        print("unknown command", command, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
