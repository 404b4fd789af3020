#!/usr/bin/env bash
# Back up OneGrid: the PostgreSQL database (pg_dump custom format) and the data directory's
# uploads. Usage: scripts/backup.sh <backup-dir>   (needs DATABASE_URL; see docs/operations.md)
set -euo pipefail
out=${1:?usage: scripts/backup.sh <backup-dir>}
: "${DATABASE_URL:?DATABASE_URL must point at the database to back up}"
data=${ONEGRID_DATA_DIR:-./data}
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
pg_dump --format=custom --no-owner --no-privileges --file="$out/onegrid-$stamp.dump" "$DATABASE_URL"
if [ -d "$data/uploads" ]; then
  tar -C "$data" -czf "$out/onegrid-uploads-$stamp.tar.gz" uploads
fi
# Row counts at backup time, for the restore check.
psql "$DATABASE_URL" -At -F $'\t' -c "
  SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text::bigint
  FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" > "$out/onegrid-$stamp.counts"
echo "$out/onegrid-$stamp"
