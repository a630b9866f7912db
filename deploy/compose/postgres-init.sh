#!/bin/bash
# First start of the postgres container only (docker-entrypoint-initdb.d): Keycloak's role and database, apart from
# the ledger's; and the ledger's two roles (docs/security.md "Database roles"): billing_owner owns the database and
# its schema and is the one Flyway migrates as; billing_runtime, the service's connections, owns nothing (the
# migrations grant it what it needs). The superuser POSTGRES_USER is for operators only. Passwords come from the
# container's environment (.env), never from this file.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=pw="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'pw';
CREATE DATABASE keycloak OWNER keycloak;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=owner_pw="$BILLING_OWNER_DB_PASSWORD" --set=runtime_pw="$BILLING_RUNTIME_DB_PASSWORD" \
  --set=db="$POSTGRES_DB" <<'SQL'
CREATE ROLE billing_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE billing_runtime LOGIN PASSWORD :'runtime_pw';
ALTER DATABASE :"db" OWNER TO billing_owner;
ALTER SCHEMA public OWNER TO billing_owner;
SQL
