#!/usr/bin/env bash
# (Re)creates the EF Core migration <Name> for every service (customs, documents, payments) and both providers
# (SQLite and PostgreSQL), from the current model. No database is needed: dotnet-ef (pinned in
# .config/dotnet-tools.json) builds each service's context through its Migrations/DesignTimeFactory.cs.
#
#   scripts/migrations.sh AddPresentationTables   # a new migration after a model change
#   scripts/migrations.sh Initial                 # recreate the latest one (here the first) from the model as it is now
#
# If <Name> is already a service's latest migration it is removed first (its snapshot restored) and made again;
# an older migration of that name is an error. Migrations that a deployed database has applied are never recreated:
# add a new one instead. See docs/migrations.md.
set -euo pipefail

name=${1:?usage: scripts/migrations.sh <MigrationName>}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null

# 'dotnet tool run' would take the first '--' for itself; the factory needs it to see '--provider'.
ef() { dotnet dotnet-ef "$@"; }

for service in customs documents payments; do
  Service=${service^}
  project=services/$service/TradeChain.$Service
  echo "[migrations] $service: building"
  dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly

  removed=0
  for provider in Sqlite Postgres; do
    dir=$project/Migrations/$provider
    mapfile -t named < <(find "$dir" -maxdepth 1 -name "*_${name}.cs" 2>/dev/null | sort)
    [ ${#named[@]} -eq 0 ] && continue
    latest=$(find "$dir" -maxdepth 1 -name '[0-9]*_*.cs' ! -name '*.Designer.cs' | sort | tail -1)
    if [ "${named[-1]}" != "$latest" ]; then
      echo "[migrations] $dir: $name is not the latest migration; pick a new name" >&2
      exit 1
    fi
    echo "[migrations] $service/$provider: removing $(basename "$latest" .cs)"
    ef migrations remove --force --no-build --configuration Release --project "$project" -- --provider "$provider" >/dev/null
    removed=1
  done
  # The scaffolder reads the snapshot from the built assembly: rebuild once the old migration's files are gone.
  if [ "$removed" -eq 1 ]; then dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly; fi

  for provider in Sqlite Postgres; do
    echo "[migrations] $service/$provider: adding $name"
    ef migrations add "$name" --no-build --configuration Release --project "$project" \
      --output-dir "Migrations/$provider" -- --provider "$provider" >/dev/null
    # Both snapshots would be <Context>ModelSnapshot.cs, and dotnet-ef finds a snapshot file by name anywhere in the
    # project: name each after its provider (dotnet-ef keeps an existing snapshot's class name from then on).
    default=$project/Migrations/$provider/${Service}DbContextModelSnapshot.cs
    if [ -f "$default" ]; then
      sed -i "s/class ${Service}DbContextModelSnapshot\b/class ${Service}DbContext${provider}ModelSnapshot/" "$default"
      mv "$default" "$project/Migrations/$provider/${Service}DbContext${provider}ModelSnapshot.cs"
    fi
  done
done
echo "[migrations] done: review git status, build, and run MigrationTests"
