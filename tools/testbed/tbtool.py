#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Traffic for the xlb netns testbed: servers for the backends and checking
clients. Standard library only; every client is bounded in time and count
and prints one JSON document on stdout.

  serve     --name NAME --addr A [--addr B]     (backend services, see below)
  connhold  --addr VIP --conns N ...            (long-lived checked echo flows)
  dist      --addr VIP --count N [--src A]...   (HTTP GETs, who answered)
  udp       --addr VIP --count N ...            (UDP request/response)
  upload    --addr VIP --bytes N                (one large checked upload)

serve listens on every --addr:
  tcp 7000  echo; the first line sent is "NAME\\n", then every byte comes back
  tcp 9000  sink; at EOF replies "NAME BYTES SHA256\\n"
  udp 53    replies "NAME " + the datagram
"""

import argparse
import collections
import errno
import hashlib
import json
import os
import random
import selectors
import socket
import struct
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listen(addr, port, kind):
    fam = family(addr)
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(1024)
    s.setblocking(False)
    return s


# ---- serve ------------------------------------------------------------------

class Conn:
    __slots__ = ("sock", "kind", "out", "nbytes", "sha", "closing")

    def __init__(self, sock, kind):
        self.sock, self.kind = sock, kind
        self.out = bytearray()
        self.nbytes = 0
        self.sha = hashlib.sha256()
        self.closing = False


def serve(a):
    name = a.name.encode()
    sel = selectors.DefaultSelector()
    for addr in a.addr:
        sel.register(listen(addr, a.echo_port, socket.SOCK_STREAM),
                     selectors.EVENT_READ, ("accept", "echo"))
        sel.register(listen(addr, a.sink_port, socket.SOCK_STREAM),
                     selectors.EVENT_READ, ("accept", "sink"))
        sel.register(listen(addr, a.udp_port, socket.SOCK_DGRAM),
                     selectors.EVENT_READ, ("udp", None))

    def update(c):
        ev = 0
        # Back-pressure: stop reading while much is queued for sending.
        if not c.closing and len(c.out) < (1 << 20):
            ev |= selectors.EVENT_READ
        if c.out:
            ev |= selectors.EVENT_WRITE
        if ev == 0:
            close(c)
        else:
            sel.modify(c.sock, ev, ("conn", c))

    def close(c):
        sel.unregister(c.sock)
        c.sock.close()

    while True:
        for key, ev in sel.select():
            what, obj = key.data
            if what == "accept":
                try:
                    s, _ = key.fileobj.accept()
                except OSError:
                    continue
                s.setblocking(False)
                c = Conn(s, obj)
                if obj == "echo":
                    c.out += name + b"\n"
                sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, ("conn", c))
            elif what == "udp":
                try:
                    data, peer = key.fileobj.recvfrom(65535)
                    key.fileobj.sendto(name + b" " + data, peer)
                except OSError:
                    pass
            else:
                c = obj
                try:
                    if ev & selectors.EVENT_READ:
                        data = c.sock.recv(262144)
                        if not data:
                            c.closing = True
                            if c.kind == "sink":
                                c.out += b"%s %d %s\n" % (name, c.nbytes,
                                                          c.sha.hexdigest().encode())
                        elif c.kind == "echo":
                            c.out += data
                        else:
                            c.nbytes += len(data)
                            c.sha.update(data)
                    if c.out and ev & selectors.EVENT_WRITE:
                        n = c.sock.send(c.out)
                        del c.out[:n]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    close(c)
                    continue
                update(c)


# ---- connhold -----------------------------------------------------------------

class Held:
    def __init__(self, idx, sock):
        self.idx = idx
        self.sock = sock
        self.backend = None
        self.hello = bytearray()
        self.pending = bytearray()	# sent, not yet echoed
        self.chunks = collections.deque()	# (end offset in stream, send time)
        self.sent = 0
        self.echoed = 0
        self.error = None
        self.err_time = None
        self.corrupt = 0
        self.max_stall = 0.0
        self.stall_at = None	# when the longest wait for an echo began
        self.next_send = 0.0
        self.connected = False

    def stall(self, now):
        return now - self.chunks[0][1] if self.chunks else 0.0

    def note_stall(self, waited, since):
        if waited > self.max_stall:
            self.max_stall, self.stall_at = waited, since

    def report(self):
        return {"idx": self.idx, "backend": self.backend, "sent": self.sent,
                "echoed": self.echoed, "error": self.error, "err_time": self.err_time,
                "corrupt": self.corrupt, "max_stall": round(self.max_stall, 4),
                "stall_at": self.stall_at}


def connhold(a):
    rnd = random.Random(a.seed)
    sel = selectors.DefaultSelector()
    fam = family(a.addr)
    conns = []
    t0 = time.time()
    deadline = t0 + a.duration
    for i in range(a.conns):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if a.src:
            s.bind((a.src[i % len(a.src)], 0))
        s.setblocking(False)
        c = Held(i, s)
        try:
            s.connect((a.addr, a.port))
        except BlockingIOError:
            pass
        except OSError as e:
            c.error, c.err_time = "connect: " + os.strerror(e.errno), time.time()
        conns.append(c)
        if not c.error:
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def fail(c, why):
        if c.error is None:
            c.error, c.err_time = why, time.time()
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    ready = False
    stopping = None	# time sending stopped
    while True:
        now = time.time()
        if stopping is None and (now >= deadline or
                                 (a.stop_file and os.path.exists(a.stop_file))):
            stopping = now
        if stopping is not None:
            live = [c for c in conns if c.error is None and c.chunks]
            if not live or now - stopping > a.drain:
                break
        if not ready:
            ok = [c for c in conns if c.backend is not None or c.error]
            if len(ok) == len(conns):
                ready = True
                if a.ready_file:
                    with open(a.ready_file, "w") as f:
                        n = sum(1 for c in conns if c.error is None)
                        f.write("%d\n" % n)
                for c in conns:
                    c.next_send = now + rnd.random() * a.interval
            elif now - t0 > a.connect_timeout:
                for c in conns:
                    if c.backend is None and c.error is None:
                        fail(c, "connect: timeout")
                continue
        for key, ev in sel.select(timeout=0.01):
            c = key.data
            try:
                if ev & selectors.EVENT_WRITE and not c.connected:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(c, "connect: " + os.strerror(err))
                        continue
                    c.connected = True
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    data = c.sock.recv(262144)
                    if not data:
                        fail(c, "eof")
                        continue
                    if c.backend is None:
                        c.hello += data
                        if b"\n" not in c.hello:
                            continue
                        line, _, data = bytes(c.hello).partition(b"\n")
                        c.backend = line.decode(errors="replace")
                        if not data:
                            continue
                    n = len(data)
                    if bytes(c.pending[:n]) != data:
                        c.corrupt += 1
                        fail(c, "corrupt")
                        continue
                    del c.pending[:n]
                    c.echoed += n
                    t = time.time()
                    while c.chunks and c.chunks[0][0] <= c.echoed:
                        since = c.chunks.popleft()[1]
                        c.note_stall(t - since, since)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                fail(c, errno.errorcode.get(e.errno, str(e.errno)))
        now = time.time()
        for c in conns:
            if c.error is not None or c.backend is None:
                continue
            if c.chunks:
                c.note_stall(now - c.chunks[0][1], c.chunks[0][1])
            if not ready or stopping is not None or now < c.next_send:
                continue
            c.next_send = now + a.interval
            if len(c.pending) > 256 * 1024:
                continue	# not echoing: the stall figure shows it
            data = rnd.randbytes(rnd.randint(1, a.size_max))
            try:
                n = c.sock.send(data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError as e:
                fail(c, errno.errorcode.get(e.errno, str(e.errno)))
                continue
            if n:
                c.pending += data[:n]
                c.sent += n
                c.chunks.append((c.sent, now))
    end = time.time()
    for c in conns:
        if c.error is None:
            if c.chunks:
                c.note_stall(end - c.chunks[0][1], c.chunks[0][1])
            if c.chunks:
                c.error, c.err_time = "unechoed at end", end
            c.sock.close()
    per_backend = collections.Counter(c.backend for c in conns)
    out = {
        "conns": len(conns),
        "established": sum(1 for c in conns if c.backend is not None),
        "errors": sum(1 for c in conns if c.error is not None),
        "corrupt": sum(c.corrupt for c in conns),
        "max_stall": round(max((c.max_stall for c in conns), default=0.0), 4),
        "bytes_sent": sum(c.sent for c in conns),
        "bytes_echoed": sum(c.echoed for c in conns),
        "seconds": round(end - t0, 2),
        "by_backend": dict(per_backend),
        "per_conn": [c.report() for c in conns],
    }
    json.dump(out, sys.stdout)
    print()


# ---- dist: many short HTTP connections ---------------------------------------

def http_get(addr, port, src, path, timeout):
    fam = family(addr)
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        if src:
            s.bind((src, 0))
        s.connect((addr, port))
        s.sendall(b"GET %s HTTP/1.0\r\nHost: vip\r\n\r\n" % path.encode())
        buf = bytearray()
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    head, _, body = bytes(buf).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise OSError("bad reply: %r" % head[:40])
    return body.decode(errors="replace").strip()


def dist(a):
    srcs = a.src or [None]
    lock = threading.Lock()
    by_backend = collections.Counter()
    by_src = collections.defaultdict(collections.Counter)
    errors = collections.Counter()
    next_i = [0]
    deadline = time.time() + a.max_time

    def worker():
        while True:
            with lock:
                i = next_i[0]
                if i >= a.count or time.time() > deadline:
                    return
                next_i[0] += 1
            src = srcs[i % len(srcs)]
            try:
                who = http_get(a.addr, a.port, src, "/", a.timeout)
            except OSError as e:
                with lock:
                    errors[str(e)[:60]] += 1
                continue
            with lock:
                by_backend[who] += 1
                by_src[src or "-"][who] += 1

    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(a.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"requested": a.count, "attempted": next_i[0], "ok": sum(by_backend.values()),
           "errors": sum(errors.values()), "error_kinds": dict(errors),
           "seconds": round(time.time() - t0, 2), "by_backend": dict(by_backend),
           "by_src": {k: dict(v) for k, v in by_src.items()}}
    json.dump(out, sys.stdout)
    print()


# ---- udp: request/response ------------------------------------------------------

def udp(a):
    fam = family(a.addr)
    socks = []
    for _ in range(a.sockets):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if a.src:
            s.bind((a.src, 0))
        s.settimeout(a.timeout)
        socks.append(s)
    by_backend = collections.Counter()
    lost = wrong = 0
    t0 = time.time()
    pad = b"x" * max(0, a.size - 13)
    for i in range(a.count):
        s = socks[i % len(socks)]
        req = b"req-%08d-" % i + pad
        req = req[:max(a.size, 13)]
        s.sendto(req, (a.addr, a.port))
        while True:
            try:
                data, _ = s.recvfrom(65535)
            except socket.timeout:
                lost += 1
                break
            name, _, echo = data.partition(b" ")
            if echo == req:
                by_backend[name.decode(errors="replace")] += 1
                break
            if not echo.startswith(b"req-"):
                wrong += 1
                break
            # A late reply to an earlier request on this socket: skip it.
    out = {"sent": a.count, "ok": sum(by_backend.values()), "lost": lost, "wrong": wrong,
           "payload_bytes": a.count * len(req), "seconds": round(time.time() - t0, 2),
           "by_backend": dict(by_backend)}
    json.dump(out, sys.stdout)
    print()


# ---- upload: one large checked transfer -----------------------------------------

IP_MTU = 14
IPV6_MTU = 24


def upload(a):
    fam = family(a.addr)
    sha = hashlib.sha256()
    rnd = random.Random(a.seed)
    block = rnd.randbytes(1 << 20)
    out = {"bytes": a.bytes, "ok": False}
    t0 = time.time()
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(a.timeout)
        try:
            s.connect((a.addr, a.port))
            left = a.bytes
            i = 0
            while left > 0:
                # A different block each MB: a shifted view of the random data.
                k = i % 251
                chunk = (block[k:] + block[:k])[:min(left, len(block))]
                s.sendall(chunk)
                sha.update(chunk)
                left -= len(chunk)
                i += 1
                if time.time() - t0 > a.timeout:
                    raise socket.timeout("upload took longer than %ss" % a.timeout)
            try:
                if fam == socket.AF_INET:
                    out["path_mtu"] = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
                else:
                    out["path_mtu"] = s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU)
            except OSError:
                pass
            s.shutdown(socket.SHUT_WR)
            reply = bytearray()
            while True:
                d = s.recv(4096)
                if not d:
                    break
                reply += d
            fields = reply.decode(errors="replace").split()
            out["reply"] = " ".join(fields)
            if len(fields) == 3:
                out["backend"] = fields[0]
                out["ok"] = (int(fields[1]) == a.bytes and fields[2] == sha.hexdigest())
        except OSError as e:
            out["error"] = str(e) or type(e).__name__
    sec = time.time() - t0
    out["seconds"] = round(sec, 2)
    out["mbit_s"] = round(a.bytes * 8 / sec / 1e6, 1)
    json.dump(out, sys.stdout)
    print()


def synflood(a):
    """SYNs from --src (this host's own address, so the backends' SYN-ACKs
    come back here and are reset by the kernel) to addr:port, one new
    source port per packet from 1024-32767 (below the ephemeral range, so
    never a real connection's), at most --rate per second, --count in all."""
    src = socket.inet_aton(a.src)
    dst = socket.inet_aton(a.addr)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent, t0 = 0, time.time()
    while sent < a.count and time.time() - t0 < a.max_time:
        sport = 1024 + (sent + a.seed * 7919) % 31744
        seq = (sent * 2654435761) & 0xFFFFFFFF
        tcp = struct.pack("!HHIIBBHHH", sport, a.port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum16(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sent & 0xFFFF, 0x4000, 64,
                         socket.IPPROTO_TCP, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
        s.sendto(ip + tcp, (a.addr, 0))
        sent += 1
        if a.rate and sent % 100 == 0:
            ahead = sent / a.rate - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
    print(json.dumps({"sent": sent, "seconds": round(time.time() - t0, 3)}))


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("serve")
    s.add_argument("--name", required=True)
    s.add_argument("--addr", action="append", required=True)
    s.add_argument("--echo-port", type=int, default=7000)
    s.add_argument("--sink-port", type=int, default=9000)
    s.add_argument("--udp-port", type=int, default=53)

    s = sub.add_parser("connhold")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, default=7000)
    s.add_argument("--conns", type=int, default=200)
    s.add_argument("--duration", type=float, default=30, help="upper bound, seconds")
    s.add_argument("--interval", type=float, default=0.1, help="seconds between sends")
    s.add_argument("--size-max", type=int, default=3000)
    s.add_argument("--src", action="append")
    s.add_argument("--stop-file", help="stop sending when this file appears")
    s.add_argument("--ready-file", help="written once every connection is up")
    s.add_argument("--connect-timeout", type=float, default=10)
    s.add_argument("--drain", type=float, default=3, help="seconds to wait for echoes")
    s.add_argument("--seed", type=int, default=1)

    s = sub.add_parser("dist")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, default=80)
    s.add_argument("--count", type=int, default=1000)
    s.add_argument("--src", action="append")
    s.add_argument("--parallel", type=int, default=16)
    s.add_argument("--timeout", type=float, default=3)
    s.add_argument("--max-time", type=float, default=120)

    s = sub.add_parser("udp")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, default=53)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--size", type=int, default=64, help="request payload bytes")
    s.add_argument("--sockets", type=int, default=16, help="distinct source ports")
    s.add_argument("--src")
    s.add_argument("--timeout", type=float, default=1)

    s = sub.add_parser("upload")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, default=9000)
    s.add_argument("--bytes", type=int, default=50 * 1024 * 1024)
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--seed", type=int, default=1)

    s = sub.add_parser("synflood")
    s.add_argument("--addr", required=True, help="IPv4 VIP")
    s.add_argument("--port", type=int, default=7000)
    s.add_argument("--src", required=True, help="this host's IPv4 address")
    s.add_argument("--count", type=int, default=10000)
    s.add_argument("--rate", type=float, default=0, help="packets per second, 0: as fast as possible")
    s.add_argument("--max-time", type=float, default=30)
    s.add_argument("--seed", type=int, default=0)

    a = p.parse_args()
    {"serve": serve, "connhold": connhold, "dist": dist, "udp": udp, "upload": upload,
     "synflood": synflood}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
