#!/bin/bash
# One database and one login per service: customs, documents and payments never share a database.
# Runs once, when the data directory is first initialised. Passwords come from the postgres Secret (env).
set -euo pipefail
for service in customs documents payments; do
  var="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="${!var}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       --set=svc="$service" --set=pw="$password" <<'SQL'
CREATE ROLE :"svc" LOGIN PASSWORD :'pw';
CREATE DATABASE :"svc" OWNER :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
done
