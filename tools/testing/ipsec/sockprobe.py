#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sockprobe.py - small TCP/UDP echo server and client for IPsec scenarios.

Server (runs until killed; serves every connection in a thread):

  sockprobe.py server --proto tcp|udp --family 4|6 --port P
                      [--bind ADDR] [--mark M] [--ready-file F]
  sockprobe.py server --listen PROTO/FAMILY/PORT[/MARK] [--listen ...]
                      [--ready-file F]

  TCP: reads one line "CMD MARKER\\n" and answers "MARKER\\n".  CMD is
    echo        keep the connection open until the client closes
    closefirst  close right after the echo (the server side then goes
                through FIN_WAIT2/TIME_WAIT: its later ACK/RST replies come
                from the kernel's control socket, not from this socket)
  UDP: echoes every datagram back to its sender.
  --mark sets SO_MARK on the listening (or UDP) socket, which accepted
  sockets inherit.  --ready-file is created once the socket is bound.

Client (one exchange; prints key=value lines; exit 0 on success):

  sockprobe.py client --proto tcp|udp --addr ADDR --port P
                      [--mark M] [--marker STR] [--timeout S]
                      [--cmd echo|closefirst] [--after-close none|fin|data]
                      [--pause S]

  Prints connect_ms (TCP: time connect() took; UDP: 0), echo_ms (time
  from sending to the echo), ok=1, or error=ERRNONAME and ok=0.
  --after-close (with --cmd closefirst): once the server has closed,
    fin    close our side after --pause seconds (the server's time-wait
           socket answers our FIN with an ACK)
    data   send more data after --pause seconds (the server's time-wait
           socket answers with a RST: reported as after_close=ECONNRESET)
"""

import argparse
import errno
import os
import select
import socket
import sys
import threading
import time

SO_MARK = getattr(socket, "SO_MARK", 36)


def errname(ex):
    # Python's own timeout (settimeout) has no errno; the kernel's
    # ETIMEDOUT is also a TimeoutError (socket.timeout) but has one.
    if isinstance(ex, OSError) and ex.errno:
        return errno.errorcode.get(ex.errno, str(ex.errno))
    if isinstance(ex, socket.timeout):
        return "TIMEOUT"
    return type(ex).__name__


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def tcp_serve_one(conn):
    try:
        conn.settimeout(30)
        buf = b""
        while b"\n" not in buf:
            d = conn.recv(4096)
            if not d:
                return
            buf += d
        line = buf.split(b"\n", 1)[0]
        cmd, _, marker = line.partition(b" ")
        conn.sendall(marker + b"\n")
        if cmd == b"closefirst":
            return
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def open_server(proto, family, port, mark, bind=None):
    fam = socket.AF_INET6 if family == 6 else socket.AF_INET
    typ = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, typ)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if mark:
        s.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
    s.bind((bind or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), port))
    if typ == socket.SOCK_STREAM:
        s.listen(64)
    return s


def serve(s):
    if s.type == socket.SOCK_DGRAM:
        while True:
            d, peer = s.recvfrom(65536)
            s.sendto(d, peer)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=tcp_serve_one, args=(conn,), daemon=True).start()


def parse_spec(spec):
    """PROTO/FAMILY/PORT[/MARK], e.g. tcp/6/5001/0x10000000."""
    f = spec.split("/")
    if len(f) not in (3, 4) or f[0] not in ("tcp", "udp") or f[1] not in ("4", "6"):
        raise argparse.ArgumentTypeError("bad --listen spec %r" % spec)
    return f[0], int(f[1]), int(f[2]), int(f[3], 0) if len(f) == 4 else 0


def server(a):
    specs = list(a.listen or [])
    if a.port is not None:
        specs.append((a.proto, a.family, a.port, a.mark))
    if not specs:
        raise SystemExit("server: give --port or --listen")
    socks = [open_server(p, fam, port, mark, a.bind) for p, fam, port, mark in specs]
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    for s in socks[1:]:
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    serve(socks[0])


def client(a):
    out = {}
    fam = family_of(a.addr)
    typ = socket.SOCK_STREAM if a.proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, typ)
    if a.mark:
        s.setsockopt(socket.SOL_SOCKET, SO_MARK, a.mark)
    s.settimeout(a.timeout)
    marker = a.marker.encode()
    rc = 1
    t0 = time.monotonic()
    stage = "connect"
    try:
        s.connect((a.addr, a.port))
        t1 = time.monotonic()
        out["connect_ms"] = "%.0f" % ((t1 - t0) * 1000 if typ == socket.SOCK_STREAM else 0)
        out["local"] = "%s:%d" % s.getsockname()[:2]
        stage = "echo"
        t1 = time.monotonic()
        if typ == socket.SOCK_STREAM:
            s.sendall(a.cmd.encode() + b" " + marker + b"\n")
            buf = b""
            while b"\n" not in buf:
                d = s.recv(4096)
                if not d:
                    raise ConnectionError(errno.ECONNRESET, "closed before echo")
                buf += d
            got = buf.split(b"\n", 1)[0]
        else:
            # Datagrams may be lost while the SA is pending (larval_drop=1):
            # resend once a second until the echo arrives or time runs out.
            deadline = t1 + a.timeout
            got = None
            sent = 0
            while got is None:
                s.send(marker)
                sent += 1
                r, _, _ = select.select([s], [], [], min(1.0, max(0.0, deadline - time.monotonic())))
                if r:
                    got = s.recv(65536)
                elif time.monotonic() >= deadline:
                    raise socket.timeout()
            out["udp_sends"] = str(sent)
        out["echo_ms"] = "%.0f" % ((time.monotonic() - t1) * 1000)
        if got != marker:
            out["error"] = "BADECHO"
            raise RuntimeError("bad echo")
        rc = 0
        if a.proto == "tcp" and a.cmd == "closefirst" and a.after_close != "none":
            stage = "after_close"
            # Wait for the server's FIN, then give its orphan time to settle.
            d = s.recv(4096)
            out["server_fin"] = "1" if d == b"" else "0"
            time.sleep(a.pause)
            if a.after_close == "fin":
                s.shutdown(socket.SHUT_WR)
                time.sleep(a.pause)
                out["after_close"] = "ok"
            else:
                try:
                    s.send(b"late data after the server closed\n")
                    time.sleep(a.pause)
                    s.send(b"more\n")
                    out["after_close"] = "sent"
                except OSError as ex:
                    out["after_close"] = errname(ex)
    except Exception as ex:  # noqa: BLE001 - everything is reported
        out.setdefault("error", errname(ex))
        out["failed_in"] = stage
        out["elapsed_ms"] = "%.0f" % ((time.monotonic() - t0) * 1000)
        rc = 1
    finally:
        s.close()
    out["ok"] = "1" if rc == 0 else "0"
    for k, v in out.items():
        print("%s=%s" % (k, v))
    sys.stdout.flush()
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--proto", choices=("tcp", "udp"), default="tcp")
    sv.add_argument("--family", type=int, choices=(4, 6), default=4)
    sv.add_argument("--port", type=int)
    sv.add_argument("--listen", type=parse_spec, action="append",
                    help="PROTO/FAMILY/PORT[/MARK]; repeatable, one process serves all")
    sv.add_argument("--bind")
    sv.add_argument("--mark", type=lambda x: int(x, 0), default=0)
    sv.add_argument("--ready-file")
    cl = sub.add_parser("client")
    cl.add_argument("--proto", choices=("tcp", "udp"), default="tcp")
    cl.add_argument("--addr", required=True)
    cl.add_argument("--port", type=int, required=True)
    cl.add_argument("--mark", type=lambda x: int(x, 0), default=0)
    cl.add_argument("--marker", default="SOCKSEC-MARKER-7f3a9c")
    cl.add_argument("--timeout", type=float, default=10.0)
    cl.add_argument("--cmd", choices=("echo", "closefirst"), default="echo")
    cl.add_argument("--after-close", choices=("none", "fin", "data"), default="none")
    cl.add_argument("--pause", type=float, default=0.5)
    a = ap.parse_args()
    return server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    sys.exit(main())
