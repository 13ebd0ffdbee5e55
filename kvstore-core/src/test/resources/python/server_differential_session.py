"""Runs one scripted raw-byte TCPStore session against a real torch master of the running interpreter and against
the server under test, and prints both transcripts, so the Java test can require identical bytes.

Usage: server_differential_session.py HOST PORT [legacy|modern]
  legacy (default): torch 1.13 opcode numbering, for a torch 1.13 master. modern: the 2.2+ numbering (VALIDATE, PING,
  APPEND, MULTI_GET/SET, CANCEL_WAIT), for a torch 2.6 master (run in the torch 2.6 chroot).
Prints 'TORCH=<transcript>' and 'SERVER=<transcript>'; a transcript is '|'-separated 'step:hex-reply' entries.
"""
import socket
import struct
import sys
from datetime import timedelta

import torch.distributed as dist

SET, COMPARE_SET, GET, ADD, CHECK, WAIT, GETNUMKEYS, WATCH_KEY, DELETE_KEY = range(9)


class Modern:
    """The 2.2+ opcodes (2.5+ with PING)."""
    (VALIDATE, SET, COMPARE_SET, GET, ADD, CHECK, WAIT, GETNUMKEYS, DELETE_KEY, APPEND, MULTI_GET, MULTI_SET,
     CANCEL_WAIT, PING) = range(14)
    MAGIC = struct.pack("<I", 0x3C85F7CE)


def s(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack("<Q", len(data)) + data


def keys(*names):
    return struct.pack("<Q", len(names)) + b"".join(s(n) for n in names)


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(10)

    def send(self, opcode, payload=b""):
        # Like a 1.13 client: the opcode and every field in separate writes.
        self.sock.sendall(bytes([opcode]))
        if payload:
            self.sock.sendall(payload)

    def recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return data + b"<EOF>"
            data += chunk
        return data

    def vec(self):
        header = self.recv(8)
        if header.endswith(b"<EOF>"):
            return header
        return header + self.recv(struct.unpack("<Q", header)[0])

    def eof(self):
        try:
            return "EOF" if self.sock.recv(1) == b"" else "DATA"
        except ConnectionResetError:
            return "EOF"


def session(port):
    out = []
    a, b, w = Conn(port), Conn(port), Conn(port)

    def step(name, reply):
        out.append(f"{name}:{reply.hex() if isinstance(reply, bytes) else reply}")

    w.send(WATCH_KEY, s("/w"))
    step("watch_ack", w.recv(1))
    a.send(SET, s("/a") + s("alpha"))
    a.send(GET, s("/a"))
    step("get", a.vec())
    a.send(ADD, s("/n") + struct.pack("<q", 5))
    step("add_new", a.recv(8))
    a.send(ADD, s("/n") + struct.pack("<q", -8))
    step("add_existing", a.recv(8))
    a.send(GET, s("/n"))
    step("get_number", a.vec())
    a.send(SET, s("/lenient") + s(" 12abc"))
    a.send(ADD, s("/lenient") + struct.pack("<q", 1))
    step("add_lenient", a.recv(8))
    a.send(COMPARE_SET, s("/c") + s("") + s("v1"))
    step("cas_create", a.vec())
    a.send(COMPARE_SET, s("/c") + s("v1") + s("v2"))
    step("cas_swap", a.vec())
    a.send(COMPARE_SET, s("/c") + s("zz") + s("v3"))
    step("cas_mismatch", a.vec())
    a.send(COMPARE_SET, s("/none") + s("x") + s("y"))
    step("cas_missing", a.vec())
    a.send(CHECK, keys("/a", "/n"))
    step("check_ready", a.recv(1))
    a.send(CHECK, keys("/a", "/none"))
    step("check_not_ready", a.recv(1))
    a.send(CHECK, keys())
    step("check_empty", a.recv(1))
    a.send(WAIT, keys())
    step("wait_empty", a.recv(1))
    a.send(WAIT, keys("/a"))
    step("wait_present", a.recv(1))
    b.send(WAIT, keys("/late1", "/late2"))
    b.send(GETNUMKEYS)
    step("numkeys_while_waiting", b.recv(8))
    a.send(SET, s("/late1") + s("1"))
    a.send(ADD, s("/late2") + struct.pack("<q", 1))
    step("add_late2", a.recv(8))
    step("wait_answered", b.recv(1))
    a.send(SET, s("/w") + s("w1"))
    a.send(SET, s("/w") + s("w2"))
    a.send(DELETE_KEY, s("/w"))
    step("delete", a.recv(8))
    a.send(DELETE_KEY, s("/w"))
    step("delete_again", a.recv(8))
    a.send(COMPARE_SET, s("/w") + s("") + s("w3"))
    step("cas_watched", a.vec())
    for i in range(4):
        step(f"watch_event{i}", w.recv(1) + w.vec() + w.vec() + w.vec())
    a.send(GETNUMKEYS)
    step("numkeys", a.recv(8))
    bad = Conn(port)
    bad.send(GET, s("/missing"))
    step("get_missing", bad.eof())
    bad = Conn(port)
    bad.send(ADD, s("/a") + struct.pack("<q", 1))
    step("add_not_a_number", bad.eof())
    bad = Conn(port)
    bad.send(9)
    step("unknown_opcode", bad.eof())
    a.send(GET, s("/a"))
    step("still_serving", a.vec())
    return "|".join(out)


def modern_session(port):
    out = []
    m = Modern

    def step(name, reply):
        out.append(f"{name}:{reply.hex() if isinstance(reply, bytes) else reply}")

    def connect():
        conn = Conn(port)
        conn.send(m.VALIDATE, m.MAGIC)
        return conn

    a, b, c = connect(), connect(), connect()
    a.send(m.PING, struct.pack("<I", 4242))
    step("ping", a.recv(4))
    a.send(m.SET, s("/a") + s("alpha"))
    a.send(m.GET, s("/a"))
    step("get", a.vec())
    a.send(m.SET, s("/a") + s(""))
    a.send(m.GET, s("/a"))
    step("get_empty", a.vec())
    a.send(m.ADD, s("/n") + struct.pack("<q", 5))
    step("add_new", a.recv(8))
    a.send(m.ADD, s("/n") + struct.pack("<q", -8))
    step("add_existing", a.recv(8))
    a.send(m.GET, s("/n"))
    step("get_number", a.vec())
    a.send(m.SET, s("/lenient") + s(" 12abc"))
    a.send(m.ADD, s("/lenient") + struct.pack("<q", 1))
    step("add_lenient", a.recv(8))
    a.send(m.COMPARE_SET, s("/c") + s("") + s("v1"))
    step("cas_create", a.vec())
    a.send(m.COMPARE_SET, s("/c") + s("v1") + s("v2"))
    step("cas_swap", a.vec())
    a.send(m.COMPARE_SET, s("/c") + s("zz") + s("v3"))
    step("cas_mismatch", a.vec())
    a.send(m.COMPARE_SET, s("/none") + s("x") + s("y"))
    step("cas_missing", a.vec())
    a.send(m.CHECK, keys("/a", "/n"))
    step("check_ready", a.recv(1))
    a.send(m.CHECK, keys("/a", "/none"))
    step("check_not_ready", a.recv(1))
    a.send(m.CHECK, keys())
    step("check_empty", a.recv(1))
    a.send(m.WAIT, keys())
    step("wait_empty", a.recv(1))
    a.send(m.WAIT, keys("/a"))
    step("wait_present", a.recv(1))
    b.send(m.WAIT, keys("/late1", "/late2", "/late3", "/late4"))
    b.send(m.GETNUMKEYS)
    step("numkeys_while_waiting", b.recv(8))
    a.send(m.SET, s("/late1") + s("1"))
    a.send(m.APPEND, s("/late2") + s("x"))
    a.send(m.MULTI_SET, struct.pack("<Q", 1) + s("/late3") + s("3"))
    a.send(m.ADD, s("/late4") + struct.pack("<q", 1))
    step("add_late4", a.recv(8))
    step("wait_answered", b.recv(1))
    a.send(m.APPEND, s("/late2") + s("yz"))
    a.send(m.APPEND, s("/fresh") + s(bytes([0, 255])))
    a.send(m.MULTI_SET, struct.pack("<Q", 3) + s("/m1") + s("one") + s("/m2") + s("") + s("/m1") + s("uno"))
    a.send(m.MULTI_GET, keys("/late2", "/fresh", "/m1", "/m2"))
    step("multi_get", a.vec() + a.vec() + a.vec() + a.vec())
    a.send(m.MULTI_GET, keys())
    a.send(m.GETNUMKEYS)
    step("multi_get_empty", a.recv(8))
    a.send(m.CANCEL_WAIT)
    step("cancel_without_wait", a.recv(1))
    c.send(m.WAIT, keys("/later"))
    c.send(m.CANCEL_WAIT)
    step("cancel_pending_wait", c.recv(1))
    a.send(m.SET, s("/later") + s("now"))
    a.send(m.GETNUMKEYS)
    step("numkeys_after_later", a.recv(8))
    c.send(m.GET, s("/later"))
    step("after_cancel_no_stale_reply", c.vec())
    a.send(m.DELETE_KEY, s("/a"))
    step("delete", a.recv(8))
    a.send(m.DELETE_KEY, s("/a"))
    step("delete_again", a.recv(8))
    a.send(m.GETNUMKEYS)
    step("numkeys", a.recv(8))
    bad = connect()
    bad.send(m.GET, s("/missing"))
    step("get_missing", bad.eof())
    bad = connect()
    bad.send(m.ADD, s("/late2") + struct.pack("<q", 1))
    step("add_not_a_number", bad.eof())
    bad = connect()
    bad.send(99, s("/q"))  # (14-16 are the 2.8+ queue commands, which this server also serves)
    step("unknown_opcode", bad.eof())
    a.send(m.GET, s("/m1"))
    step("still_serving", a.vec())
    return "|".join(out)


modern = len(sys.argv) > 3 and sys.argv[3] == "modern"
run = modern_session if modern else session
master = dist.TCPStore("127.0.0.1", 0, None, True, timeout=timedelta(seconds=10), wait_for_workers=False)
print("TORCH=" + run(master.port), flush=True)
print("SERVER=" + run(int(sys.argv[2])), flush=True)
