#!/usr/bin/env python3
"""MPEG-TS checker for our section files (stdlib only).

    python3 tests/tscheck.py [--max-psi 0.5] [--max-pcr 0.1] file.ts...   exit 1 with reasons

Checks: whole 188-byte packets with sync bytes; PAT then PMT first, with valid CRCs;
continuity counters per PID (payload packets count, one duplicate allowed, no
discontinuity_indicator expected); PAT/PMT period and PCR interval on the PCR clock;
PES header marker bits and PTS/DTS prefixes; PTS/DTS monotonic per stream (33-bit
unwrapped); the first video PES is a key frame (H.264 IDR / HEVC IRAP, or MPEG-2 sequence
header). From Python: `check(path_or_bytes) -> Report` (report.errors, report.info).
"""
import argparse
import sys

PKT = 188
WRAP = 1 << 33
VIDEO_TYPES = {0x1B: "h264", 0x24: "hevc", 0x02: "mpeg2video", 0x01: "mpeg1video"}
AUDIO_TYPES = {0x0F: "aac", 0x11: "aac_latm", 0x03: "mp2", 0x04: "mp2", 0x81: "ac3",
               0x87: "eac3", 0x06: "private"}


def crc32_mpeg(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def diff33(a, b):
    """b - a for 33-bit timestamps, in (-2^32, 2^32]."""
    return ((b - a + (1 << 32)) & (WRAP - 1)) - (1 << 32)


class Report:
    def __init__(self):
        self.errors = []
        self.info = {"packets": 0, "streams": {}, "pcr_pid": None, "pat_count": 0,
                     "pcr_count": 0, "duration": 0.0, "first_pts": None}
        self._cap = 50

    def err(self, msg):
        if len(self.errors) < self._cap:
            self.errors.append(msg)
        elif len(self.errors) == self._cap:
            self.errors.append("... more errors")

    @property
    def ok(self):
        return not self.errors


def _read_ts(b, off):
    return (((b[off] >> 1) & 7) << 30) | (b[off + 1] << 22) | ((b[off + 2] >> 1) << 15) | \
        (b[off + 3] << 7) | (b[off + 4] >> 1)


def _ts_markers_ok(b, off, prefix):
    return (b[off] >> 4) == prefix and b[off] & 1 and b[off + 2] & 1 and b[off + 4] & 1


def _head_is_key(es, codec):
    """True when the start of an access unit shows a key frame (IDR/IRAP slice or an SPS)."""
    i = 0
    while True:
        i = es.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= len(es):
            return False
        t = es[i + 3]
        if codec == "h264" and (t & 0x1F) in (5, 7):
            return True
        if codec == "hevc" and (16 <= (t >> 1) & 0x3F <= 23 or (t >> 1) & 0x3F == 33):
            return True
        i += 3


def _is_key(es, codec):
    """True when the Annex B bytes es hold an IDR/IRAP slice (or an MPEG-2 sequence header)."""
    i = 0
    n = len(es)
    while True:
        i = es.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= n:
            return False
        t = es[i + 3]
        if codec == "h264":
            if t & 0x1F == 5:
                return True
        elif codec == "hevc":
            if 16 <= (t >> 1) & 0x3F <= 23:
                return True
        elif codec in ("mpeg2video", "mpeg1video"):
            if t == 0xB3:
                return True
        i += 3


class _Section:
    """Reassembles one PSI section from packets of a PID."""

    def __init__(self):
        self.buf = None

    def feed(self, payload, pusi):
        out = []
        if pusi:
            ptr = payload[0]
            if self.buf is not None:
                self.buf += payload[1:1 + ptr]
                out.append(self.buf)
            self.buf = bytearray(payload[1 + ptr:])
        elif self.buf is not None:
            self.buf += payload
        else:
            return out
        if len(self.buf) >= 3:
            need = (((self.buf[1] & 0x0F) << 8) | self.buf[2]) + 3
            if len(self.buf) >= need:
                out.append(bytes(self.buf[:need]))
                self.buf = None
        return [bytes(x) for x in out if len(x) >= 3 and x[0] != 0xFF]


def check(src, max_psi=0.5, max_pcr=0.1, expect_key=True):
    """Checks a TS file (path or bytes); returns a Report."""
    data = src if isinstance(src, (bytes, bytearray)) else open(src, "rb").read()
    r = Report()
    if len(data) % PKT:
        r.err("size %d is not a multiple of 188" % len(data))
    npk = len(data) // PKT
    r.info["packets"] = npk
    pmt_pid = None
    es = {}        # pid -> dict(codec, kind)
    cc = {}        # pid -> (last cc, last packet bytes, dup seen)
    sections = {0: _Section()}
    now = None     # PCR clock (seconds), last PCR seen
    last_pat = None
    last_pmt = None
    last_pcr = None
    pcr_ext = None
    first_es_seen = False
    pat_seen = pmt_seen = False
    ts_state = {}  # pid -> dict(last dts unwrapped, first)
    first_video_pes = None  # bytearray collecting the first video PES
    first_video_done = False
    video_pid = None
    for k in range(npk):
        p = data[k * PKT:(k + 1) * PKT]
        if p[0] != 0x47:
            r.err("packet %d: no sync byte" % k)
            continue
        if p[1] & 0x80:
            r.err("packet %d: transport_error_indicator set" % k)
        pid = ((p[1] & 0x1F) << 8) | p[2]
        pusi = (p[1] >> 6) & 1
        afc = (p[3] >> 4) & 3
        c = p[3] & 0x0F
        if p[3] >> 6:
            r.err("packet %d: scrambled" % k)
        if afc == 0:
            r.err("packet %d: adaptation_field_control 0" % k)
            continue
        off = 4
        disc = False
        if afc & 2:
            afl = p[4]
            off = 5 + afl
            if off > PKT or (afc == 2 and afl != 183) or (afc == 3 and afl > 182):
                r.err("packet %d pid 0x%x: bad adaptation field length %d" % (k, pid, afl))
                continue
            if afl:
                flags = p[5]
                disc = bool(flags & 0x80)
                if flags & 0x10 and afl >= 7:
                    base = (p[6] << 25) | (p[7] << 17) | (p[8] << 9) | (p[9] << 1) | (p[10] >> 7)
                    if pid == r.info["pcr_pid"]:
                        if last_pcr is not None:
                            d = diff33(last_pcr, base) / 90000.0
                            if d < 0:
                                r.err("packet %d: PCR goes back by %.3f s" % (k, -d))
                            elif d > max_pcr + 1e-9:
                                r.err("packet %d: PCR interval %.3f s > %.3f" % (k, d, max_pcr))
                        pcr_ext = base if pcr_ext is None else pcr_ext + diff33(last_pcr, base)
                        last_pcr = base
                        now = pcr_ext / 90000.0
                        # PAT/PMT sent before the first PCR count from it
                        if last_pat is None and pat_seen:
                            last_pat = now
                        if last_pmt is None and pmt_seen:
                            last_pmt = now
                        r.info["pcr_count"] += 1
        # continuity
        if pid != 0x1FFF:
            if afc & 1:
                if pid in cc:
                    lc, lp, dup = cc[pid]
                    if c == lc:
                        if dup or lp != p:
                            r.err("packet %d pid 0x%x: CC %d repeated" % (k, pid, c))
                        cc[pid] = (c, p, True)
                    elif c != (lc + 1) & 15 and not disc:
                        r.err("packet %d pid 0x%x: CC %d after %d" % (k, pid, c, lc))
                        cc[pid] = (c, p, False)
                    else:
                        cc[pid] = (c, p, False)
                else:
                    cc[pid] = (c, p, False)
            elif pid in cc and c != cc[pid][0] and not disc:
                r.err("packet %d pid 0x%x: CC %d on a packet without payload (expected %d)" %
                      (k, pid, c, cc[pid][0]))
        if not afc & 1 or off >= PKT:
            continue
        payload = p[off:]
        if pid == 0 or pid == pmt_pid:
            if pid not in sections:
                sections[pid] = _Section()
            for s in sections[pid].feed(payload, pusi):
                slen = (((s[1] & 0x0F) << 8) | s[2]) + 3
                if slen > len(s) or crc32_mpeg(s[:slen]) != 0:
                    r.err("packet %d pid 0x%x: PSI CRC error" % (k, pid))
                    continue
                if pid == 0 and s[0] == 0:
                    if not pat_seen and k != 0:
                        r.err("first packet is not a PAT (PAT at packet %d)" % k)
                    pat_seen = True
                    r.info["pat_count"] += 1
                    if now is not None and last_pat is not None and now - last_pat > max_psi + 1e-9:
                        r.err("packet %d: PAT interval %.3f s > %.3f" % (k, now - last_pat, max_psi))
                    last_pat = now
                    for i in range(8, slen - 4, 4):
                        prog = (s[i] << 8) | s[i + 1]
                        if prog:
                            newpmt = ((s[i + 2] & 0x1F) << 8) | s[i + 3]
                            if pmt_pid is not None and newpmt != pmt_pid:
                                r.err("PMT PID changes from 0x%x to 0x%x" % (pmt_pid, newpmt))
                            pmt_pid = newpmt
                            break
                elif pid == pmt_pid and s[0] == 2:
                    pmt_seen = True
                    if now is not None and last_pmt is not None and now - last_pmt > max_psi + 1e-9:
                        r.err("packet %d: PMT interval %.3f s > %.3f" % (k, now - last_pmt, max_psi))
                    last_pmt = now
                    pcr_pid = ((s[8] & 0x1F) << 8) | s[9]
                    if r.info["pcr_pid"] is None:
                        r.info["pcr_pid"] = pcr_pid
                    i = 12 + (((s[10] & 0x0F) << 8) | s[11])
                    while i + 5 <= slen - 4:
                        st = s[i]
                        epid = ((s[i + 1] & 0x1F) << 8) | s[i + 2]
                        il = ((s[i + 3] & 0x0F) << 8) | s[i + 4]
                        codec = VIDEO_TYPES.get(st) or AUDIO_TYPES.get(st) or "0x%02x" % st
                        if st == 0x06:
                            d = s[i + 5:i + 5 + il]
                            j = 0
                            while j + 2 <= len(d):
                                if d[j] == 0x6A:
                                    codec = "ac3"
                                elif d[j] == 0x7A:
                                    codec = "eac3"
                                j += 2 + d[j + 1]
                        kind = "video" if st in VIDEO_TYPES else "audio"
                        if epid not in es:
                            es[epid] = {"codec": codec, "kind": kind, "stream_type": st}
                            r.info["streams"][epid] = es[epid]
                            if kind == "video" and video_pid is None:
                                video_pid = epid
                        i += 5 + il
            continue
        if pid not in es:
            continue
        if not first_es_seen:
            first_es_seen = True
            if not (pat_seen and pmt_seen):
                r.err("packet %d: elementary stream data before PAT and PMT" % k)
        if pid == video_pid and first_video_pes is not None and not first_video_done:
            if pusi:
                first_video_done = True
            else:
                first_video_pes += payload
        if not pusi:
            continue
        if len(payload) < 9 or payload[0:3] != b"\x00\x00\x01":
            r.err("packet %d pid 0x%x: PUSI without PES start code" % (k, pid))
            continue
        if (payload[6] & 0xC0) != 0x80:
            r.err("packet %d pid 0x%x: PES header marker bits" % (k, pid))
            continue
        flags = payload[7] >> 6
        hl = 9 + payload[8]
        if flags == 1:
            r.err("packet %d pid 0x%x: DTS without PTS" % (k, pid))
            continue
        pts = dts = None
        if flags & 2:
            if hl < 14 or len(payload) < 14:
                r.err("packet %d pid 0x%x: short PES header" % (k, pid))
                continue
            if not _ts_markers_ok(payload, 9, 3 if flags == 3 else 2):
                r.err("packet %d pid 0x%x: PTS prefix/marker bits wrong" % (k, pid))
            pts = dts = _read_ts(payload, 9)
        if flags == 3:
            if hl < 19 or len(payload) < 19:
                r.err("packet %d pid 0x%x: short PES header" % (k, pid))
                continue
            if not _ts_markers_ok(payload, 14, 1):
                r.err("packet %d pid 0x%x: DTS prefix/marker bits wrong" % (k, pid))
            dts = _read_ts(payload, 14)
        if pid == video_pid and first_video_pes is None:
            first_video_pes = bytearray(payload[hl:])
        if dts is None:
            continue
        s = ts_state.setdefault(pid, {"last": None, "first_pts": None, "max_pts": None,
                                      "ref": None})
        if s["ref"] is None:
            s["ref"] = dts
            s["last"] = dts
            s["first_pts"] = s["ref"] + diff33(s["ref"], pts)
            s["max_pts"] = s["first_pts"]
        else:
            u = s["last"] + diff33(s["last"] & (WRAP - 1), dts)
            if u <= s["last"]:
                r.err("packet %d pid 0x%x: DTS not increasing (step %d)" % (k, pid, u - s["last"]))
            s["last"] = u
            up = u + diff33(dts, pts)
            if up < u:
                r.err("packet %d pid 0x%x: PTS before DTS" % (k, pid))
            if pid == video_pid and up <= s["max_pts"] and \
                    _head_is_key(bytes(payload[hl:]), es[pid]["codec"]):
                r.err("packet %d pid 0x%x: key frame presented %.3f s before an earlier picture"
                      % (k, pid, (s["max_pts"] - up) / 90000.0))
            s["max_pts"] = max(s["max_pts"], up)
        if last_pcr is not None and pid == video_pid and diff33(last_pcr, dts) < 0:
            r.err("packet %d pid 0x%x: DTS %.3f s behind the PCR" %
                  (k, pid, -diff33(last_pcr, dts) / 90000.0))
    if now is not None and last_pat is not None and now - last_pat > max_psi + 1e-9:
        r.err("PAT interval %.3f s > %.3f at the end" % (now - last_pat, max_psi))
    if now is not None and last_pmt is not None and now - last_pmt > max_psi + 1e-9:
        r.err("PMT interval %.3f s > %.3f at the end" % (now - last_pmt, max_psi))
    if npk and not pat_seen:
        r.err("no PAT")
    if npk and not pmt_seen:
        r.err("no PMT")
    if expect_key and video_pid is not None:
        if first_video_pes is None:
            r.err("no video PES")
        elif not _is_key(bytes(first_video_pes), es[video_pid]["codec"]):
            r.err("first video access unit is not a key frame")
    durs = []
    for pid, s in ts_state.items():
        if s["first_pts"] is not None:
            durs.append((s["max_pts"] - s["first_pts"]) / 90000.0)
            es[pid]["duration"] = durs[-1]
            es[pid]["first_pts"] = s["first_pts"] & (WRAP - 1)
    r.info["duration"] = max(durs) if durs else 0.0
    return r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--max-psi", type=float, default=0.5, help="PAT/PMT period limit (s)")
    ap.add_argument("--max-pcr", type=float, default=0.1, help="PCR interval limit (s)")
    ap.add_argument("--no-key", action="store_true", help="do not require a key frame first")
    ap.add_argument("-v", action="store_true", help="print stream info")
    a = ap.parse_args(argv)
    bad = 0
    for f in a.files:
        rep = check(f, a.max_psi, a.max_pcr, not a.no_key)
        if rep.ok:
            print("%s: OK (%d packets, %.3f s)" % (f, rep.info["packets"], rep.info["duration"]))
        else:
            bad += 1
            print("%s: FAILED" % f)
            for e in rep.errors:
                print("  " + e)
        if a.v:
            for pid, s in sorted(rep.info["streams"].items()):
                print("  pid 0x%x %s %s" % (pid, s["kind"], s["codec"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
