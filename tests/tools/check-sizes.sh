#!/bin/sh
# check-sizes.sh FILE...: files a reader can hold in mind. Fails when a file has more than
# $SS_MAX_FILE_LINES lines (default 600) or a function more than $SS_MAX_FN_LINES (default
# 120), counted from its opening brace to its closing brace. clang-format puts both braces
# of a function definition in column 0, and nothing else there, so no C parser is needed.
max_file=${SS_MAX_FILE_LINES:-600}
max_fn=${SS_MAX_FN_LINES:-120}
[ $# -gt 0 ] || { echo "usage: check-sizes.sh FILE..." >&2; exit 2; }
awk -v max_file="$max_file" -v max_fn="$max_fn" '
	function file_done() {
		if (file != "" && lines > max_file) {
			printf "%s: %d lines (limit %d)\n", file, lines, max_file
			bad = 1
		}
	}
	FNR == 1 { file_done(); file = FILENAME; head = ""; open = 0 }
	{ lines = FNR }
	/^[A-Za-z_].*\(/ { head = $0 }
	/^\{/ { open = FNR }
	/^\}/ {
		if (open && FNR - open > max_fn) {
			printf "%s:%d: function has %d lines (limit %d): %s\n", FILENAME, open,
				FNR - open, max_fn, head
			bad = 1
		}
		open = 0
	}
	END { file_done(); exit bad }
' "$@"
