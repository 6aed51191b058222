#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pcapscan.py - count what a capture holds, independently of tshark.

Reads a classic pcap file (what `tcpdump -w` writes; Ethernet, Linux SLL
or SLL2 link types, either byte order, micro- or nanosecond stamps) and
prints one `key=value` per line:

  frames       all frames
  esp          ESP packets (IP protocol 50, and ESP-in-UDP on port 4500)
  ike          IKE packets (UDP 500, and UDP 4500 with the non-ESP marker)
  ah           AH packets (IP protocol 51)
  marker       frames whose raw bytes contain MARKER (anywhere in the frame)
  clear_port   TCP/UDP packets (not ESP/IKE) with source or destination PORT
  clear_tcp    all TCP packets in clear
  clear_udp    all UDP packets in clear that are not IKE / ESP-in-UDP
  bad_frames   frame numbers (1-based, comma separated) counted in
               `marker` or `clear_port`, for tshark -Y frame.number==N

With --tls-port PORT, the TCP streams to or from PORT that pass --src and
--dst are reassembled by sequence number, each direction on its own, and
every payload byte must lie inside a well-formed TLS record (RFC 8446
5.1): content type 20..23, legacy version 0x0301..0x0303, length at most
2^14 + 2048. A record cut short by the end of the stream is fine; a
hole in a stream (bytes missing from the capture) is not:

  tls_streams  directions of TCP connections with payload
  tls_bytes    payload bytes checked
  tls_records  TLS records found
  tls_bad      streams where a byte is not inside a well-formed record
               (or a hole, or retransmitted bytes that differ); each is
               described on stderr

Options:
  --marker STR   the marker as text (or --marker-hex HEX)
  --port N       TCP/UDP port whose clear-text packets count as offending
  --src ADDR     only count packets with this source address
  --dst ADDR     only count packets with this destination address
  --tls-port N   check the TCP streams of port N for TLS framing
  --key KEY      print only the value of KEY (for shell arithmetic)

Exit status 0 (2 on an unreadable file).
"""

import argparse
import ipaddress
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("not a pcap file (too short: %d bytes)" % len(data))
    magic = data[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
        b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",
    }
    if magic not in table:
        raise ValueError("not a classic pcap file (magic %s)" % magic.hex())
    e = table[magic]
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    frames = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    return linktype, frames


def l3_of(linktype, frame):
    """Return (ethertype, payload) of one frame, or (None, None)."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14:
            return None, None
        et = struct.unpack("!H", frame[12:14])[0]
        p = 14
        while et in (0x8100, 0x88A8) and len(frame) >= p + 4:
            et = struct.unpack("!H", frame[p + 2:p + 4])[0]
            p += 4
        return et, frame[p:]
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return None, None
        return struct.unpack("!H", frame[14:16])[0], frame[16:]
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20:
            return None, None
        return struct.unpack("!H", frame[0:2])[0], frame[20:]
    if linktype == LINKTYPE_RAW and frame:
        v = frame[0] >> 4
        return (0x0800 if v == 4 else 0x86DD if v == 6 else None), frame
    return None, None


IPV6_EXT = (0, 43, 60, 135, 139, 140, 253, 254)


def ip_of(et, pkt):
    """Return (src, dst, proto, l4 payload) or None."""
    if et == 0x0800 and len(pkt) >= 20:
        ihl = (pkt[0] & 0x0F) * 4
        frag = struct.unpack("!H", pkt[6:8])[0] & 0x1FFF
        src = ipaddress.IPv4Address(pkt[12:16])
        dst = ipaddress.IPv4Address(pkt[16:20])
        l4 = pkt[ihl:] if frag == 0 else b""
        return src, dst, pkt[9], l4
    if et == 0x86DD and len(pkt) >= 40:
        src = ipaddress.IPv6Address(pkt[8:24])
        dst = ipaddress.IPv6Address(pkt[24:40])
        nh, p = pkt[6], 40
        while nh in IPV6_EXT and len(pkt) >= p + 8:
            if nh == 44:
                break
            nh, p = pkt[p], p + (pkt[p + 1] + 1) * 8
        return src, dst, nh, pkt[p:]
    return None


TLS_MAX_RECORD = (1 << 14) + 2048


def tls_stream_check(segs):
    """Check one direction of a TCP stream; segs: [(seq, syn, payload)].

    Returns (bytes, records, problem or None)."""
    isn = None
    for seq, syn, _ in segs:
        if syn:
            isn = (seq + 1) & 0xFFFFFFFF
            break
    data = [(seq, p) for seq, _, p in segs if p]
    if not data:
        return 0, 0, None
    if isn is None:
        isn = data[0][0]
    # Offsets relative to the ISN (mod 2^32), then one byte string.
    pieces = sorted((((seq - isn) & 0xFFFFFFFF), p) for seq, p in data)
    stream = bytearray()
    for off, p in pieces:
        if off > len(stream):
            return len(stream), 0, "hole at stream offset %d (%d bytes missing)" % (
                len(stream), off - len(stream))
        overlap = stream[off:off + len(p)]
        if overlap != p[:len(overlap)]:
            return len(stream), 0, "retransmitted bytes at offset %d differ" % off
        stream += p[len(overlap):]
    pos = records = 0
    while pos < len(stream):
        h = stream[pos:pos + 5]
        if h[0] < 20 or h[0] > 23:
            return len(stream), records, "offset %d: content type %d is not TLS" % (pos, h[0])
        if len(h) >= 2 and h[1] != 3:
            return len(stream), records, "offset %d: version byte 0x%02x" % (pos, h[1])
        if len(h) >= 3 and not 1 <= h[2] <= 3:
            return len(stream), records, "offset %d: version 0x03%02x" % (pos, h[2])
        if len(h) < 5:
            break
        n = struct.unpack("!H", h[3:5])[0]
        if n > TLS_MAX_RECORD:
            return len(stream), records, "offset %d: record length %d" % (pos, n)
        records += 1
        pos += 5 + n
    return len(stream), records, None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--marker")
    ap.add_argument("--marker-hex")
    ap.add_argument("--port", type=int)
    ap.add_argument("--src")
    ap.add_argument("--dst")
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--key")
    a = ap.parse_args()

    marker = None
    if a.marker_hex:
        marker = bytes.fromhex(a.marker_hex)
    elif a.marker:
        marker = a.marker.encode()
    want_src = ipaddress.ip_address(a.src) if a.src else None
    want_dst = ipaddress.ip_address(a.dst) if a.dst else None

    try:
        linktype, frames = read_pcap(a.file)
    except (OSError, ValueError) as ex:
        print("pcapscan: %s: %s" % (a.file, ex), file=sys.stderr)
        return 2

    c = dict(frames=0, esp=0, ike=0, ah=0, marker=0, clear_port=0,
             clear_tcp=0, clear_udp=0)
    if a.tls_port is not None:
        c.update(tls_streams=0, tls_bytes=0, tls_records=0, tls_bad=0)
    streams = {}
    bad = []
    for n, fr in enumerate(frames, 1):
        et, pkt = l3_of(linktype, fr)
        ip = ip_of(et, pkt) if pkt is not None else None
        if want_src or want_dst:
            if not ip:
                continue
            if want_src and ip[0] != want_src:
                continue
            if want_dst and ip[1] != want_dst:
                continue
        c["frames"] += 1
        offending = False
        if marker and marker in fr:
            c["marker"] += 1
            offending = True
        if ip:
            _, _, proto, l4 = ip
            if proto == 50:
                c["esp"] += 1
            elif proto == 51:
                c["ah"] += 1
            elif proto in (6, 17) and len(l4) >= 4:
                sport, dport = struct.unpack("!HH", l4[:4])
                kind = "tcp" if proto == 6 else "udp"
                if proto == 17 and 500 in (sport, dport):
                    c["ike"] += 1
                    kind = None
                elif proto == 17 and 4500 in (sport, dport):
                    body = l4[8:]
                    if len(body) >= 4 and body[:4] == b"\0\0\0\0":
                        c["ike"] += 1
                    elif len(body) > 1:  # 1-byte NAT-T keepalive is neither
                        c["esp"] += 1
                    kind = None
                if proto == 6 and a.tls_port in (sport, dport) and len(l4) >= 20:
                    doff = (l4[12] >> 4) * 4
                    seq = struct.unpack("!I", l4[4:8])[0]
                    key = (ip[0], sport, ip[1], dport)
                    streams.setdefault(key, []).append(
                        (seq, bool(l4[13] & 0x02), bytes(l4[doff:])))
                if kind:
                    c["clear_" + kind] += 1
                    if a.port is not None and a.port in (sport, dport):
                        c["clear_port"] += 1
                        offending = True
        if offending:
            bad.append(str(n))

    for (src, sport, dst, dport), segs in streams.items():
        nbytes, nrec, problem = tls_stream_check(segs)
        if not nbytes:
            continue
        c["tls_streams"] += 1
        c["tls_bytes"] += nbytes
        c["tls_records"] += nrec
        if problem:
            c["tls_bad"] += 1
            print("pcapscan: %s:%d -> %s:%d (%d bytes): %s" % (
                src, sport, dst, dport, nbytes, problem), file=sys.stderr)

    if a.key:
        if a.key == "bad_frames":
            print(",".join(bad))
        else:
            print(c[a.key])
        return 0
    for k, v in c.items():
        print("%s=%d" % (k, v))
    print("bad_frames=%s" % ",".join(bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
