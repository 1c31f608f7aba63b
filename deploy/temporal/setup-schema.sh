#!/bin/sh
# Run by the temporal-admin-tools service before the server starts: creates Temporal's two
# databases on the shared PostgreSQL server (when missing) and brings their schemas up to the
# version this admin-tools image ships. Safe to run at every `docker compose up`.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${PORT}"
until nc -z "${POSTGRES_SEEDS}" "${PORT}"; do sleep 1; done

for db in temporal temporal_visibility; do
  tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${PORT} -u ${POSTGRES_USER} --db ${db}"
  # `create` fails when the database exists (a restart of the stack): that is fine.
  $tool create || echo "database ${db} already exists"
  case "${db}" in
    temporal) versioned="${SCHEMA_DIR}/temporal/versioned" ;;
    *) versioned="${SCHEMA_DIR}/visibility/versioned" ;;
  esac
  $tool setup-schema -v 0.0
  $tool update-schema -d "${versioned}"
done
echo "Temporal schemas are up to date"
