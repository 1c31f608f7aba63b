#!/bin/sh
# Run by the temporal-setup service once the server is healthy: creates the namespace and registers
# the search attributes Warmer's workflows keep current (src/app/search-attributes.ts; the worker
# also adds missing ones at start). Safe to run at every `docker compose up`.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

until temporal operator cluster health --address "${ADDRESS}" | grep -q SERVING; do
  echo "waiting for Temporal at ${ADDRESS}"
  sleep 2
done

temporal operator namespace describe --address "${ADDRESS}" -n "${NAMESPACE}" >/dev/null 2>&1 ||
  temporal operator namespace create --address "${ADDRESS}" -n "${NAMESPACE}" --retention 30d

# A new namespace becomes usable once the server's namespace cache refreshes (a few seconds).
tries=0
until existing="$(temporal operator search-attribute list --address "${ADDRESS}" -n "${NAMESPACE}" 2>/dev/null)"; do
  tries=$((tries + 1))
  [ "${tries}" -lt 60 ] || { echo "namespace ${NAMESPACE} did not become usable" >&2; exit 1; }
  sleep 1
done
for attribute in WarmerPhase:Keyword WarmerStatus:Keyword WarmerHealth:Int; do
  name="${attribute%%:*}"
  type="${attribute##*:}"
  if echo "${existing}" | grep -qw "${name}"; then
    echo "search attribute ${name} already registered"
  else
    temporal operator search-attribute create --address "${ADDRESS}" -n "${NAMESPACE}" --name "${name}" --type "${type}"
  fi
done
echo "namespace ${NAMESPACE} ready"
