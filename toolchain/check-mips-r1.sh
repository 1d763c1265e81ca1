#!/bin/sh
# toolchain/check-mips-r1.sh: gate for mipsel binaries: fails (exit 1) unless BIN is statically
# linked and free of MIPS32 r2+ opcodes, which SIGILL on the BMIPS4380/5000 (MIPS32 r1) boxes.
#
#   toolchain/check-mips-r1.sh BIN...
#
# QEMU has no MIPS32 r1 CPU model with an FPU, so this disassembly scan is the only check.
# The binary is decoded as mips32r2 on purpose: decoded by its own (r1) ELF flags, objdump
# prints r2-only instructions as ".word" and a naive scan finds nothing. Function names are
# listed when BIN has symbols; for a stripped binary only addresses can be shown.
set -eu

OBJDUMP=${OBJDUMP:-mipsel-linux-gnu-objdump}
[ $# -ge 1 ] || { echo "usage: $0 BIN..." >&2; exit 2; }
command -v "$OBJDUMP" >/dev/null || { echo "$0: $OBJDUMP missing (binutils-mipsel-linux-gnu)" >&2; exit 2; }

# MIPS32 r2 (and later) user-mode instructions absent from MIPS32 r1. rdhwr stays allowed:
# musl reads the thread pointer with "rdhwr $3,$29", which r1 kernels emulate.
R2_OPS='ext|ins|seb|seh|wsbh|rotr|rotrv|mfhc1|mthc1|di|ei|synci|jalr\.hb|jr\.hb|rdpgpr|wrpgpr'
R2_OPS="$R2_OPS"'|madd\.[sdp]s?|msub\.[sdp]s?|nmadd\.[sdp]s?|nmsub\.[sdp]s?'   # COP1X multiply-add
R2_OPS="$R2_OPS"'|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|prefx|recip\.[sd]|rsqrt\.[sd]'
R2_OPS="$R2_OPS"'|cvt\.l\.[sd]|cvt\.[sd]\.l|ceil\.l\.[sd]|floor\.l\.[sd]|round\.l\.[sd]|trunc\.l\.[sd]'
R2_OPS="$R2_OPS"'|cvt\.ps\.s|cvt\.s\.p[lu]|pll\.ps|plu\.ps|pul\.ps|puu\.ps|alnv\.ps|[a-z]+\.ps'  # paired single

rc=0
for bin in "$@"; do
	desc=$(file -b "$bin")
	case $desc in
	*"statically linked"*) ;;
	*) echo "$bin: not statically linked: $desc" >&2; rc=1 ;;
	esac
	case $desc in
	*MIPS*) ;;
	*) echo "$bin: not a MIPS binary: $desc" >&2; rc=1; continue ;;
	esac
	# ".word" lines are not flagged: musl's __start keeps .gpword data in .text.
	bad=$("$OBJDUMP" -d -m mips:isa32r2 --no-show-raw-insn "$bin" | awk -F'\t' -v re="^($R2_OPS)\$" '
		/^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); next }
		/^Disassembly of section/ { sec = $0; sub(/.*section /, "", sec); sub(/:$/, "", sec); fn = sec; next }
		NF >= 2 && $2 ~ re {
			a = $1; gsub(/[ :]/, "", a)
			k = fn SUBSEP $2
			if (!(k in n)) { first[k] = a; order[++m] = k }
			n[k]++
		}
		END {
			for (i = 1; i <= m; i++) {
				split(order[i], p, SUBSEP)
				printf "  %-40s %-10s x%d (first at 0x%s)\n", p[1], p[2], n[order[i]], first[order[i]]
			}
		}')
	if [ -n "$bad" ]; then
		echo "$bin: MIPS32 r2+ opcodes found (would SIGILL on BMIPS, MIPS32 r1):" >&2
		echo "$bad" >&2
		if ! mipsel-linux-gnu-nm "$bin" >/dev/null 2>&1; then
			echo "  ($bin is stripped; scan the unstripped link output for function names)" >&2
		fi
		echo "  fix: compile with -march=mips32; libgcc/libatomic routines need an r1 version in toolchain/r1shim.c" >&2
		rc=1
	fi
done
exit $rc
