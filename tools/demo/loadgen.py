#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Open-loop, rate-controlled HTTP load over real sockets (standard library).

Requests start on a schedule whatever the server does (open loop: a slow
server does not slow the offered load, it shows as latency and in-flight
requests). Each scheduled request is a NEW TCP connection ("Connection:
close"; the server closes first, so the client keeps no TIME_WAIT), so the
balancer sees requests/s as new flows/s. Alongside, --keepalive N
long-lived HTTP/1.1 connections send a request every --ka-interval seconds
for the whole run; a reset or an unexpected close on any of them is counted
(the demo requires zero). --ka-wave T:N opens N more at second T (e.g. at
the peak, so that they land on backends that are drained later).
--src A --src-count N: connect from A, A+1, ... A+N-1 with source ports
walked in order, so that no 4-tuple repeats within a run (a repeated
4-tuple is the old flow to a balancer's flow table, not a new one).

  loadgen.py --addr 198.18.0.10 --schedule 0:100,30:100,35:600,60:600,65:100
             --duration 90 --out per-second.jsonl --summary summary.json

--schedule is a piecewise-linear rate (requests/s) over time (s) from the
start; it is held constant after its last point. Bounded: it stops
starting requests at --duration, waits at most --timeout for the ones in
flight, and exits. Output: one JSON object per second to --out (flushed
as it goes, so a monitor can follow it) and one summary document.
"""

import argparse
import errno
import ipaddress
import json
import os
import selectors
import signal
import socket
import sys
import time

REQ_CLOSE = b"GET / HTTP/1.1\r\nHost: xlb-demo\r\nConnection: close\r\n\r\n"
REQ_KA = b"GET / HTTP/1.1\r\nHost: xlb-demo\r\n\r\n"
PORT_LO, PORT_HI = 10000, 60000	# source ports walked with --src
RESET_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


def parse_schedule(text):
    pts = []
    for item in text.split(","):
        t, r = item.split(":")
        pts.append((float(t), float(r)))
    pts.sort()
    if not pts or pts[0][0] > 0:
        pts.insert(0, (0.0, pts[0][1] if pts else 0.0))
    return pts


def rate_at(pts, t):
    if t >= pts[-1][0]:
        return pts[-1][1]
    for (t0, r0), (t1, r1) in zip(pts, pts[1:]):
        if t0 <= t < t1:
            if t1 == t0:
                return r1
            return r0 + (r1 - r0) * (t - t0) / (t1 - t0)
    return pts[0][1]


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def backend_of(body):
    """nginx on backend n answers "backend-<n>\\n" on /."""
    body = body.strip()
    return body.decode("ascii", "replace") if body.startswith(b"backend-") else None


class Sec:
    """Counters of one second of the run."""

    def __init__(self):
        self.offered = None	# mean scheduled rate over the second
        self.started = 0
        self.ok = 0
        self.errors = 0
        self.resets = 0
        self.kinds = {}
        self.lat = []
        self.ka_ok = 0
        self.ka_lat = []
        self.backends = {}

    def err(self, kind, reset=False):
        self.errors += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if reset:
            self.resets += 1


class Conn:
    __slots__ = ("sock", "ka", "t0", "buf", "state", "next_t", "deadline", "backend", "nreq", "idx")

    def __init__(self, sock, ka, t0, idx=0):
        self.sock, self.ka, self.t0, self.idx = sock, ka, t0, idx
        self.buf = bytearray()
        self.state = "connect"
        self.next_t = 0.0
        self.deadline = 0.0
        self.backend = None
        self.nreq = 0


class Gen:
    def __init__(self, a):
        self.a = a
        self.sel = selectors.DefaultSelector()
        self.fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        self.pts = parse_schedule(a.schedule)
        self.secs = []
        self.all_lat = []
        self.inflight = 0
        self.ka = []		# keep-alive Conns
        self.t_start = 0.0
        self.stop = False
        self.late = 0
        self.shed = 0
        self.ka_backends = {}
        self.tup_i = 0
        self.srcs = []
        if a.src:
            base = ipaddress.ip_address(a.src)
            self.srcs = [str(base + k) for k in range(a.src_count)]
        self.tot = {"started": 0, "ok": 0, "errors": 0, "resets": 0, "ka_requests": 0,
                "ka_errors": 0, "ka_resets": 0, "kinds": {}}

    # ---- bookkeeping --------------------------------------------------------

    def sec(self, now):
        i = int(now - self.t_start)
        while len(self.secs) <= i:
            self.secs.append(Sec())
            self.secs[-1].offered = rate_at(self.pts, len(self.secs) - 0.5)
        return self.secs[max(i, 0)]

    def fail(self, c, now, kind, reset=False):
        s = self.sec(now)
        s.err(kind, reset)
        self.tot["errors"] += 1
        self.tot["kinds"][kind] = self.tot["kinds"].get(kind, 0) + 1
        if reset:
            self.tot["resets"] += 1
        if c.ka:
            self.tot["ka_errors"] += 1
            if reset:
                self.tot["ka_resets"] += 1
        self.close(c)
        if c.ka and not self.stop:
            # Count it, then keep the keep-alive population constant.
            self.ka.remove(c)
            self.open_ka(now, c.idx)

    def close(self, c):
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        if not c.ka:
            self.inflight -= 1
        c.state = "closed"

    # ---- connections ----------------------------------------------------------

    def new_sock(self):
        s = socket.socket(self.fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self.srcs:
            return s
        # Walk (address, port) in order so that no 4-tuple comes back
        # within the run: the kernel's random ephemeral ports repeat a
        # 4-tuple after a few thousand connections, and a balancer's flow
        # table takes such a connection as the old flow, not a new one.
        for _ in range(1000):
            i = self.tup_i
            self.tup_i += 1
            n = len(self.srcs)
            port = PORT_LO + (i // n) % (PORT_HI - PORT_LO)
            try:
                s.bind((self.srcs[i % n], port))
                return s
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    s.close()
                    raise
        s.close()
        raise OSError(errno.EADDRNOTAVAIL, "no free source port")

    def connect(self, c):
        try:
            c.sock.connect((self.a.addr, self.a.port))
        except BlockingIOError:
            pass
        except OSError as e:
            return e
        self.sel.register(c.sock, selectors.EVENT_WRITE, c)
        return None

    def sock_or_count(self, now, kind):
        try:
            return self.new_sock()
        except OSError as e:
            self.sec(now).err(kind + "bind:" + errno.errorcode.get(e.errno, str(e.errno)))
            self.tot["errors"] += 1
            return None

    def start_short(self, now):
        sock = self.sock_or_count(now, "")
        if not sock:
            self.sec(now).started += 1
            self.tot["started"] += 1
            return
        c = Conn(sock, False, now)
        c.deadline = now + self.a.timeout
        self.inflight += 1
        self.sec(now).started += 1
        self.tot["started"] += 1
        e = self.connect(c)
        if e:
            self.fail(c, now, "connect:" + errno.errorcode.get(e.errno, str(e.errno)),
                  e.errno in RESET_ERRNOS)

    def open_ka(self, now, idx):
        sock = self.sock_or_count(now, "ka_")
        if not sock:
            self.tot["ka_errors"] += 1
            return
        c = Conn(sock, True, now, idx)
        c.deadline = now + self.a.timeout
        self.ka.append(c)
        e = self.connect(c)
        if e:
            self.fail(c, now, "ka_connect:" + errno.errorcode.get(e.errno, str(e.errno)),
                  e.errno in RESET_ERRNOS)

    def send(self, c, now):
        try:
            c.sock.send(REQ_KA if c.ka else REQ_CLOSE)
        except OSError as e:
            self.fail(c, now, ("ka_" if c.ka else "") + "send:" +
                  errno.errorcode.get(e.errno, str(e.errno)), e.errno in RESET_ERRNOS)
            return
        c.t0 = now
        c.deadline = now + self.a.timeout
        c.buf.clear()
        c.state = "read"
        self.sel.modify(c.sock, selectors.EVENT_READ, c)

    def on_event(self, c, now):
        if c.state == "connect":
            e = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                self.fail(c, now, ("ka_" if c.ka else "") + "connect:" +
                      errno.errorcode.get(e, str(e)), e in RESET_ERRNOS)
                return
            self.send(c, now)
            return
        if c.state != "read":
            return
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            self.fail(c, now, ("ka_" if c.ka else "") + "recv:" +
                  errno.errorcode.get(e.errno, str(e.errno)), e.errno in RESET_ERRNOS)
            return
        if data:
            c.buf += data
            if c.ka:
                self.ka_check(c, now)
            return
        # EOF
        if c.ka:
            self.fail(c, now, "ka_closed_by_server")
            return
        self.short_done(c, now)

    def short_done(self, c, now):
        buf = bytes(c.buf)
        hdr, sep, body = buf.partition(b"\r\n\r\n")
        if not buf.startswith(b"HTTP/1.1 200") or not sep:
            self.fail(c, now, "bad_response" if buf else "empty_response")
            return
        s = self.sec(now)
        lat = now - c.t0
        s.ok += 1
        s.lat.append(lat)
        self.all_lat.append(lat)
        self.tot["ok"] += 1
        be = backend_of(body)
        if be:
            s.backends[be] = s.backends.get(be, 0) + 1
        self.close(c)

    def ka_check(self, c, now):
        buf = bytes(c.buf)
        hdr, sep, body = buf.partition(b"\r\n\r\n")
        if not sep:
            return
        clen = None
        for line in hdr.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                clen = int(v.strip())
        if clen is None or not hdr.startswith(b"HTTP/1.1 200"):
            self.fail(c, now, "ka_bad_response")
            return
        if len(body) < clen:
            return
        be = backend_of(body[:clen])
        if c.backend and be != c.backend:
            self.fail(c, now, "ka_backend_changed")
            return
        c.backend = be
        s = self.sec(now)
        s.ka_ok += 1
        s.ka_lat.append(now - c.t0)
        self.tot["ka_requests"] += 1
        c.nreq += 1
        c.state = "idle"
        c.next_t = now + self.a.ka_interval
        self.sel.modify(c.sock, selectors.EVENT_READ, c)

    def on_idle_readable(self, c, now):
        """Readable while idle: EOF or RST from the server, or stray data."""
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            self.fail(c, now, "ka_recv_idle:" + errno.errorcode.get(e.errno, str(e.errno)),
                  e.errno in RESET_ERRNOS)
            return
        self.fail(c, now, "ka_closed_by_server" if not data else "ka_unexpected_data")

    # ---- main loop ------------------------------------------------------------

    def run(self):
        a = self.a
        if a.start_at:
            delay = a.start_at - time.time()
            if 0 < delay < 60:
                time.sleep(delay)
        self.t_start = time.monotonic()
        self.wall_start = time.time()
        out = open(a.out, "w") if a.out else None
        waves = [(0.0, a.keepalive)] + [(float(t), int(n)) for t, n in
                         (w.split(":") for w in a.ka_wave)]
        waves.sort()
        next_start = self.t_start
        flushed = 0
        ka_idx = 0
        last_tmo_check = 0.0
        end = self.t_start + a.duration
        hard_end = end + a.timeout + 1
        while True:
            now = time.monotonic()
            if now >= end or self.stop:
                self.stop = True
            # Per-second records, written once the second is over.
            while flushed < int(now - self.t_start) and flushed < len(self.secs):
                self.emit(out, flushed)
                flushed += 1
            if self.stop and (self.inflight == 0 or now >= hard_end):
                break
            while waves and not self.stop and now - self.t_start >= waves[0][0]:
                for _ in range(waves[0][1]):
                    self.open_ka(now, ka_idx)
                    ka_idx += 1
                waves.pop(0)
            # Open loop: start every request that is due.
            nstarted = 0
            while not self.stop and next_start <= now:
                t = next_start - self.t_start
                r = rate_at(self.pts, t)
                s = self.sec(next_start)
                if r <= 0:
                    next_start += 0.1
                    continue
                if now - next_start > 1.0:
                    # We cannot keep up (CPU): count it, do not burst.
                    self.late += 1
                elif self.inflight >= a.max_inflight:
                    self.shed += 1
                    s.err("shed_max_inflight")
                    self.tot["errors"] += 1
                else:
                    self.start_short(now)
                nstarted += 1
                next_start += 1.0 / r
                if nstarted >= 2000:
                    break
            # Keep-alive requests that are due; time-outs.
            for c in list(self.ka):
                if c.state == "idle" and now >= c.next_t and not self.stop:
                    self.send(c, now)
                elif c.state in ("connect", "read") and now >= c.deadline:
                    self.fail(c, now, "ka_timeout")
            wait = 0.05
            if not self.stop:
                wait = max(0.0, min(wait, next_start - time.monotonic()))
            for key, ev in self.sel.select(wait):
                c = key.data
                now = time.monotonic()
                if c.state == "idle":
                    self.on_idle_readable(c, now)
                else:
                    self.on_event(c, now)
            # Time-outs of short requests (checked about 20 times a second).
            now = time.monotonic()
            if now - last_tmo_check >= 0.05:
                last_tmo_check = now
                for key in list(self.sel.get_map().values()):
                    c = key.data
                    if not c.ka and now >= c.deadline:
                        self.fail(c, now, "timeout")
        for i in range(flushed, len(self.secs)):
            self.emit(out, i)
        # Close keep-alive connections: a last check that none was reset.
        for c in list(self.ka):
            if c.state == "idle":
                self.on_idle_check(c)
            if c.state != "closed":
                self.close(c)
        if out:
            out.close()
        return self.summary()

    def on_idle_check(self, c):
        try:
            data = c.sock.recv(65536, socket.MSG_DONTWAIT)
            if not data:
                self.tot["ka_errors"] += 1
                self.tot["errors"] += 1
                self.tot["kinds"]["ka_closed_by_server"] = self.tot["kinds"].get("ka_closed_by_server", 0) + 1
        except BlockingIOError:
            pass
        except OSError as e:
            reset = e.errno in RESET_ERRNOS
            self.tot["ka_errors"] += 1
            self.tot["errors"] += 1
            if reset:
                self.tot["ka_resets"] += 1
                self.tot["resets"] += 1
        if c.backend:
            self.ka_backends[c.backend] = self.ka_backends.get(c.backend, 0) + 1

    def emit(self, out, i):
        s = self.secs[i]
        lat = sorted(s.lat)
        rec = {"t": i, "time": round(self.wall_start + i, 3), "offered": round(s.offered, 1),
               "started": s.started, "ok": s.ok, "errors": s.errors, "resets": s.resets,
               "p50_ms": None if not lat else round(pct(lat, 50) * 1e3, 2),
               "p90_ms": None if not lat else round(pct(lat, 90) * 1e3, 2),
               "p99_ms": None if not lat else round(pct(lat, 99) * 1e3, 2),
               "ka_ok": s.ka_ok, "inflight": self.inflight, "backends": s.backends}
        if s.kinds:
            rec["error_kinds"] = s.kinds
        if out:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    def summary(self):
        lat = sorted(self.all_lat)
        t = self.tot
        return {"duration_s": round(time.monotonic() - self.t_start, 2),
            "requests": t["started"], "ok": t["ok"], "errors": t["errors"],
            "resets": t["resets"], "ka_connections": len(self.ka),
            "ka_requests": t["ka_requests"], "ka_errors": t["ka_errors"],
            "ka_resets": t["ka_resets"], "ka_backends": self.ka_backends,
            "late_starts": self.late, "shed": self.shed, "error_kinds": t["kinds"],
            "p50_ms": round(pct(lat, 50) * 1e3, 2) if lat else None,
            "p90_ms": round(pct(lat, 90) * 1e3, 2) if lat else None,
            "p99_ms": round(pct(lat, 99) * 1e3, 2) if lat else None,
            "max_ms": round(lat[-1] * 1e3, 2) if lat else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", required=True, help="VIP address")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--src", help="first source address (walks ports in order)")
    ap.add_argument("--src-count", type=int, default=1,
                    help="use --src and the next N-1 addresses")
    ap.add_argument("--schedule", required=True, help="T:RATE,... (piecewise linear)")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--timeout", type=float, default=5.0, help="per request, s")
    ap.add_argument("--max-inflight", type=int, default=3000)
    ap.add_argument("--keepalive", type=int, default=0, help="long-lived connections")
    ap.add_argument("--ka-interval", type=float, default=0.25)
    ap.add_argument("--ka-wave", action="append", default=[], help="T:N more keep-alive conns")
    ap.add_argument("--start-at", type=float, default=0, help="unix time to start at")
    ap.add_argument("--out", help="per-second JSON lines")
    ap.add_argument("--summary", help="summary JSON (default: stdout)")
    a = ap.parse_args()
    if a.duration <= 0 or a.duration > 3600:
        ap.error("--duration: 0 < S <= 3600")
    g = Gen(a)

    def on_signal(signum, frame):
        g.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    res = g.run()
    text = json.dumps(res)
    if a.summary:
        tmp = a.summary + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.rename(tmp, a.summary)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
