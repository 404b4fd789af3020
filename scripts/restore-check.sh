#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into a fresh database and compares every table's
# row count with the counts recorded at backup time; also unpacks the uploads and counts files.
# Usage: scripts/restore-check.sh <backup-prefix> <postgres-url-of-a-server>   (exit 1 on a mismatch)
set -euo pipefail
prefix=${1:?usage: scripts/restore-check.sh <backup-prefix> <server-url>}
server=${2:?server url}
db="og_restore_$(date +%s)_$$"
base=${server%/*}
psql "$server" -qAt -c "CREATE DATABASE $db" >/dev/null
trap 'psql "$server" -qAt -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
pg_restore --no-owner --no-privileges --dbname="$base/$db" "$prefix.dump"
psql "$base/$db" -At -F $'\t' -c "
  SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text::bigint
  FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" > "$prefix.restored-counts"
if ! diff -u "$prefix.counts" "$prefix.restored-counts"; then
  echo "RESTORE CHECK FAILED: row counts differ"
  exit 1
fi
tables=$(wc -l < "$prefix.counts")
rows=$(awk -F'\t' '{s+=$2} END {print s+0}' "$prefix.counts")
uploads=$(ls "${prefix%/*}"/onegrid-uploads-*.tar.gz 2>/dev/null | tail -1 || true)
files=0
if [ -n "$uploads" ]; then
  tmp=$(mktemp -d)
  tar -C "$tmp" -xzf "$uploads"
  files=$(find "$tmp" -type f | wc -l)
  rm -rf "$tmp"
fi
echo "restore check passed: $tables tables, $rows rows identical; $files upload files"
