#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The demo's eyes: a live status line while it runs, a report at the end.

  demo.py history --out FILE --bucket S --now T --spike T0:T1 --base R --peak R
      write a synthetic load history for xlbd's predictive policy: the last
      day at the base rate with the same flash sale at the same time of day
      yesterday (xlb_policy_history_load() format).
  demo.py monitor --loadgen FILE --agent FILE --lbctl PATH --netns NS --vip VIP
                  --samples FILE --until T [--pid PID]
      once a second: read the load generator's last second, xlbd's
      agent.json and the pool's backend states (lbctl -j backend show);
      print one status line (in place on a terminal) and append the sample.
  demo.py report --loadgen FILE --loadgen-summary FILE --samples FILE
                 --outdir DIR [--title T] [--target R] [--backends N]
      print the summary, write DIR/demo.csv, DIR/demo.gp, DIR/demo.png and
      DIR/summary.json. Exit 0 when there were no errors and no resets.
"""

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_jsonl(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass	# a line being written
    except OSError:
        pass
    return out


def last_jsonl(path):
    """Last complete line of a file that grows (read from the end)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 8192))
            lines = f.read().split(b"\n")
    except OSError:
        return None
    for line in reversed(lines[:-1] if lines and lines[-1] else lines):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


# ---- agent.json: what xlbd publishes (tolerant of missing keys) ----------------

def agent_pool(agent, vip):
    if not isinstance(agent, dict):
        return None
    pools = agent.get("pools") or []
    for p in pools:
        if p.get("vip") == vip:
            return p
    return pools[0] if pools else None


def dget(d, *keys, default=None):
    for k in keys:
        if isinstance(d, dict) and k in d and d[k] is not None:
            return d[k]
    return default


def pool_view(p):
    """(desired, active, booting, load, reason name, reason text, last event)."""
    if not p:
        return None
    dec = dget(p, "decision", "last_decision", default={}) or {}
    return {
        "desired": dget(p, "desired", default=dget(dec, "desired")),
        "active": dget(p, "active"),
        "booting": dget(p, "booting", default=0),
        "load": dget(p, "load", default=dget(dec, "load")),
        "forecast": dget(dec, "forecast", default=dget(p, "forecast")),
        "policy": dget(dec, "policy", default=""),
        "reason": dget(dec, "reason", default=""),
        "text": dget(dec, "reason_text", "text", default=""),
        "event": dget(dget(p, "last_event", default={}) or {}, "text", default=""),
        "event_time": dget(dget(p, "last_event", default={}) or {}, "time", default=0),
    }


# ---- history ------------------------------------------------------------------

def cmd_history(a):
    b = a.bucket
    t0 = int((a.now - 86400 - 3600) // b * b)
    t_end = int(a.now // b * b)	# the current bucket is xlbd's to fill
    s0, s1 = (float(x) for x in a.spike.split(":"))
    lines = ["xlb-policy-history 1 %d %d" % (b, t0)]
    t = t0
    while t < t_end:
        mid = t + b / 2.0
        # yesterday's flash sale at the same time of day
        ys0, ys1 = s0 - 86400, s1 - 86400
        if t + b > ys0 and t < ys1:
            over = (min(t + b, ys1) - max(t, ys0)) / b
            mean = a.base + (a.peak - a.base) * over
            peak = a.peak
        else:
            # calm, with a gentle ripple so it is not a flat line
            mean = a.base * (1 + 0.05 * math.sin(mid / 600.0))
            peak = mean * 1.1
        lines.append("%.6g %.6g %d" % (mean, peak, b))
        t += b
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, a.out)
    return 0


# ---- monitor ------------------------------------------------------------------

def backend_states(cmd, vip):
    """{address: state} from lbctl -j backend show VIP."""
    try:
        out = subprocess.run(cmd + ["-j", "backend", "show"] + vip.split(),
                             capture_output=True, text=True, timeout=5).stdout
        doc = json.loads(out)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return {b["address"]: b["state"] for b in doc.get("backends", [])}


def short(text, n):
    return text if len(text) <= n else text[:n - 1] + "…"


def cmd_monitor(a):
    tty = sys.stdout.isatty() if a.tty == "auto" else a.tty == "yes"
    stop = [False]

    def on_sig(signum, frame):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)
    # nsenter, not `ip netns exec`, which hides bpffs (XLB_PIN_DIR: from env)
    lbctl = ["nsenter", "--net=/run/netns/" + a.netns, a.lbctl]
    samples = open(a.samples, "a")
    if a.t0 and 0 < a.t0 - time.time() < 30:
        time.sleep(a.t0 - time.time())
    t_start = time.time()
    next_t = t_start
    last_print = 0
    while not stop[0] and time.time() < a.until:
        if a.pid:
            try:
                os.kill(a.pid, 0)
            except OSError:
                break
        now = time.time()
        lg = last_jsonl(a.loadgen) or {}
        ap = agent_pool(read_json(a.agent), a.vip)
        pv = pool_view(ap) or {}
        states = backend_states(lbctl, a.vip)
        if states is None and ap:
            # lbctl failed: xlbd's view of the same maps
            states = {b.get("address"): b.get("state") for b in ap.get("backends") or []}
        states = states or {}
        n = {s: sum(1 for v in states.values() if v == s)
             for s in ("active", "draining", "standby")}
        rec = {"time": round(now, 3), "lg_t": lg.get("t"), "offered": lg.get("offered"),
               "ok": lg.get("ok"), "errors": lg.get("errors"), "p99_ms": lg.get("p99_ms"),
               "ring_active": n["active"], "draining": n["draining"], "standby": n["standby"],
               "states": states}
        rec.update({k: pv.get(k) for k in ("desired", "active", "booting", "load", "forecast",
                                           "policy", "reason", "text", "event", "event_time")})
        samples.write(json.dumps(rec) + "\n")
        samples.flush()
        offered = lg.get("offered")
        line = "[%4ds] offered %4s/s served %4s/s err %s | active %s desired %s%s | %s" % (
            int(now - a.t0) if a.t0 else int(now - t_start),
            "-" if offered is None else "%.0f" % offered,
            "-" if lg.get("ok") is None else lg.get("ok"),
            lg.get("errors", "-"),
            n["active"] if states else "-",
            "-" if pv.get("desired") is None else pv.get("desired"),
            " draining %d" % n["draining"] if n["draining"] else "",
            pv.get("text") or pv.get("reason") or "(xlbd: no decision yet)")
        if tty:
            width = shutil.get_terminal_size((120, 24)).columns
            sys.stdout.write("\r\033[K" + short(line, width - 1))
            sys.stdout.flush()
        elif now - last_print >= a.every:
            print(line, flush=True)
            last_print = now
        next_t += 1.0
        time.sleep(max(0.05, next_t - time.time()))
    if tty:
        sys.stdout.write("\n")
    samples.close()
    return 0


# ---- report -------------------------------------------------------------------

def pct(vals, p):
    if not vals:
        return None
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(round(p / 100.0 * (len(vals) - 1))))]


def scale_events(samples, t0):
    """Changes of desired (with the decision's reason) and of the ring."""
    ev = []
    prev_d = prev_a = None
    for s in samples:
        t = s["time"] - t0 - 1	# as the CSV rows: a sample follows its second
        d = s.get("desired")
        if d is not None and prev_d is not None and d != prev_d:
            ev.append({"t": round(t), "kind": "up" if d > prev_d else "down",
                       "what": "desired %d -> %d" % (prev_d, d),
                       "reason": s.get("text") or s.get("reason") or ""})
        if d is not None:
            prev_d = d
        act = s.get("ring_active")
        if s.get("states") and prev_a is not None and act != prev_a:
            ev.append({"t": round(t), "kind": "ring",
                       "what": "active %d -> %d (draining %d)" % (prev_a, act,
                                                                 s.get("draining", 0)),
                       "reason": ""})
        if s.get("states"):
            prev_a = act
    return ev


def cmd_report(a):
    per_s = read_jsonl(a.loadgen)
    summ = read_json(a.loadgen_summary) or {}
    samples = read_jsonl(a.samples)
    os.makedirs(a.outdir, exist_ok=True)
    t0 = per_s[0]["time"] if per_s else (samples[0]["time"] if samples else 0)

    # One CSV row per second of load, with the pool as sampled closest to it.
    rows = []
    j = 0
    for r in per_s:
        tm = r["time"] + 1.0	# the record covers [time, time + 1)
        while j + 1 < len(samples) and samples[j + 1]["time"] <= tm:
            j += 1
        s = samples[j] if samples and samples[j]["time"] <= tm + 1 else {}
        rows.append({"t": r["t"], "offered": r.get("offered"), "served": r.get("ok"),
                     "errors": r.get("errors"), "p50_ms": r.get("p50_ms"),
                     "p99_ms": r.get("p99_ms"), "active": s.get("ring_active"),
                     "desired": s.get("desired"), "draining": s.get("draining"),
                     "load": s.get("load"), "forecast": s.get("forecast"),
                     "reason": s.get("reason") or ""})
    csv = os.path.join(a.outdir, "demo.csv")
    cols = ["t", "offered", "served", "errors", "p50_ms", "p99_ms", "active", "desired",
            "draining", "load", "forecast", "reason"]

    def fmt(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return "%.6g" % v
        return str(v).replace(",", ";")
    with open(csv, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(fmt(r[c]) for c in cols) + "\n")

    events = scale_events(samples, t0)
    ups = sum(1 for e in events if e["kind"] == "up")
    downs = sum(1 for e in events if e["kind"] == "down")
    actives = [s["ring_active"] for s in samples if s.get("states")]
    desired = [s["desired"] for s in samples if s.get("desired") is not None]
    first_active = actives[0] if actives else None
    max_active = max(actives) if actives else None
    last_active = actives[-1] if actives else None
    # Scaled up: the ring grew beyond where it started; scaled down: it
    # shrank again from its peak (draining backends leave the ring).
    scaled_up = bool(actives) and max_active > first_active
    scaled_down = bool(actives) and scaled_up and last_active < max_active

    png = os.path.join(a.outdir, "demo.png")
    gp = os.path.join(a.outdir, "demo.gp")
    peak_load = max((r["offered"] or 0 for r in rows), default=0)
    # Both axes on one scale: a backend is worth `target` requests/s, so
    # the load line crossing a backend level means that level is full.
    ymax2 = max(a.backends, max_active or 0, max(desired) if desired else 0) + 1
    ymax = ymax2 * a.target if a.target > 0 else max(10, peak_load * 1.25)
    xmax = max(1, len(rows) - 1)
    # Name the policy behind each scale-up (the first of a run of the same).
    labels = []
    last_kind = None
    for e in events:
        if e["kind"] != "up":
            continue
        kind = e["reason"].split(":", 1)[0] if ":" in e["reason"] else ""
        level = int(e["what"].split("->")[1])
        if kind and kind != last_kind:
            labels.append('set label "%s" at first %d, second %.2f left offset 0.5,0 '
                          'font ",10" tc rgb "#d62728"' % (kind, e["t"], level + 0.25))
        last_kind = kind
    with open(gp, "w") as f:
        f.write("""# generated by tools/demo/demo.py
set terminal png size 1100,560 font ",11"
set output '%(png)s'
set datafile separator ','
set datafile missing ''
set key outside bottom center horizontal
set title "%(title)s"
set xlabel 'time (s)'
set ylabel 'requests/s (new connections/s)'
set y2label 'backends (%(target)g/s each at target)'
set xrange [0:%(xmax)d]
set yrange [0:%(ymax)g]
set y2range [0:%(ymax2)d]
set ytics nomirror
set y2tics 1
set grid xtics ytics
%(labels)s
plot '%(csv)s' using 1:2 every ::1 with lines lw 6 lc rgb '#c8c8c8' title 'offered', \\
     '' using 1:3 every ::1 with lines lw 2 lc rgb '#1f77b4' title 'served', \\
     '' using 1:7 every ::1 axes x1y2 with steps lw 3 lc rgb '#2ca02c' title 'active backends', \\
     '' using 1:8 every ::1 axes x1y2 with steps lw 2 dt 3 lc rgb '#d62728' title 'desired backends'
""" % {"png": png, "csv": csv, "ymax": ymax, "ymax2": ymax2,
       "xmax": xmax, "target": a.target, "labels": "\n".join(labels),
       "title": a.title.replace('"', "'")})
    gp_ok = False
    try:
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True, timeout=60)
        gp_ok = r.returncode == 0 and os.path.getsize(png) > 0
        if not gp_ok:
            sys.stderr.write("demo: gnuplot failed: %s\n" % r.stderr.strip())
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.stderr.write("demo: gnuplot failed: %s\n" % e)

    req = summ.get("requests", 0)
    errors = summ.get("errors", 0)
    resets = summ.get("resets", 0)
    res = {"requests": req, "ok": summ.get("ok", 0), "errors": errors, "resets": resets,
           "ka_connections": summ.get("ka_connections", 0),
           "ka_requests": summ.get("ka_requests", 0), "ka_resets": summ.get("ka_resets", 0),
           "error_kinds": summ.get("error_kinds", {}),
           "p50_ms": summ.get("p50_ms"), "p90_ms": summ.get("p90_ms"),
           "p99_ms": summ.get("p99_ms"), "max_ms": summ.get("max_ms"),
           "late_starts": summ.get("late_starts", 0),
           "peak_offered": peak_load, "first_active": first_active,
           "max_active": max_active, "last_active": last_active,
           "max_desired": max(desired) if desired else None,
           "scaled_up": scaled_up, "scaled_down": scaled_down,
           "scale_ups": ups, "scale_downs": downs, "events": events,
           "png": png if gp_ok else None, "csv": csv}
    with open(os.path.join(a.outdir, "summary.json"), "w") as f:
        json.dump(res, f, indent=1)

    def ms(v):
        return "-" if v is None else "%.2f ms" % v
    print("")
    print("== xlb demo summary ==")
    print("requests       %d (%d ok) over %d s, peak offered %.0f/s" % (
        req, res["ok"], len(per_s), peak_load))
    print("errors         %d%s" % (errors, "  " + json.dumps(res["error_kinds"])
                                    if res["error_kinds"] else ""))
    print("latency        p50 %s  p90 %s  p99 %s  max %s" % (
        ms(res["p50_ms"]), ms(res["p90_ms"]), ms(res["p99_ms"]), ms(res["max_ms"])))
    print("keep-alive     %d connections, %d requests, %d reset" % (
        res["ka_connections"], res["ka_requests"], res["ka_resets"]))
    print("conns reset    %d%s" % (resets, "" if resets == 0 else "   <-- MUST BE ZERO"))
    print("backends       active %s -> max %s -> %s at the end (desired max %s)" % (
        first_active, max_active, last_active, res["max_desired"]))
    print("scale events   %d up, %d down:" % (ups, downs))
    for e in events:
        if e["kind"] == "ring":
            print("  %4ds          %s" % (e["t"], e["what"]))
        else:
            print("  %4ds  %-4s    %s  %s" % (e["t"], e["kind"], e["what"],
                                            short(e["reason"], 110)))
    print("chart          %s" % (png if gp_ok else "(gnuplot failed)"))
    print("data           %s" % csv)
    return 0 if errors == 0 and resets == 0 and gp_ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("history")
    h.add_argument("--out", required=True)
    h.add_argument("--bucket", type=int, default=10)
    h.add_argument("--now", type=float, required=True)
    h.add_argument("--spike", required=True, help="T0:T1 (unix) of today's sale")
    h.add_argument("--base", type=float, required=True)
    h.add_argument("--peak", type=float, required=True)
    m = sub.add_parser("monitor")
    m.add_argument("--loadgen", required=True)
    m.add_argument("--agent", required=True)
    m.add_argument("--lbctl", required=True, help="path of lbctl")
    m.add_argument("--netns", required=True, help="the xlb host's namespace")
    m.add_argument("--vip", required=True)
    m.add_argument("--samples", required=True)
    m.add_argument("--until", type=float, required=True)
    m.add_argument("--t0", type=float, default=0)
    m.add_argument("--pid", type=int, default=0)
    m.add_argument("--tty", choices=("auto", "yes", "no"), default="auto")
    m.add_argument("--every", type=float, default=5.0, help="not a tty: print every S")
    r = sub.add_parser("report")
    r.add_argument("--loadgen", required=True)
    r.add_argument("--loadgen-summary", required=True)
    r.add_argument("--samples", required=True)
    r.add_argument("--outdir", required=True)
    r.add_argument("--title", default="xlb demo: flash sale")
    r.add_argument("--target", type=float, default=0, help="load per backend (chart scale)")
    r.add_argument("--backends", type=int, default=0)
    a = ap.parse_args()
    return {"history": cmd_history, "monitor": cmd_monitor, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
