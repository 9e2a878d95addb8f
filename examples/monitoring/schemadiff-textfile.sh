#!/bin/sh
# Write schemadiff's health metrics for node_exporter's textfile collector.
#
# The collector may read the directory at any moment, so the file is written under a name it
# ignores (not ending in .prom) in the same directory, then renamed: mv on one filesystem is
# atomic, and the collector sees either the old file or the new one, never half of one.
# Exit codes 1 and 2 (warning, critical) still produce metrics; only an empty output is an error.
set -u
dir=${TEXTFILE_DIR:-/var/lib/node_exporter/textfile_collector}
tmp=$(mktemp "$dir/.schemadiff.prom.XXXXXX") || exit 1
schemadiff --connect-timeout "${SCHEMADIFF_CONNECT_TIMEOUT:-5}" check --format prometheus \
    --statement-timeout "${SCHEMADIFF_STATEMENT_TIMEOUT:-10}" >"$tmp"
status=$?
if [ -s "$tmp" ]; then
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dir/schemadiff.prom"
else
    rm -f "$tmp"
    echo "schemadiff-textfile: schemadiff check wrote nothing (exit $status)" >&2
    exit 1
fi
