#!/usr/bin/env bash
# npm run check:infra: compiles and lints every .bicep file under infra/ with the official Bicep CLI,
# then both durable backends (infra/check/*.bicepparam: main.bicep with AzureStorage and with
# DurableTaskScheduler), and checks that a location without Flex Consumption is refused.
# The CLI comes from NuGet (package Azure.Bicep.CommandLine.linux-x64, restored by the dotnet CLI
# through the machine's configured NuGet sources) into .tools/bicep, which git ignores; nothing is
# downloaded from anywhere else. Bicep exits 0 on warnings, so any diagnostic fails this script:
# the infra must be free of errors and warnings (rules turned off are justified in bicepconfig.json).
set -euo pipefail
cd "$(dirname "$0")/.."

BICEP_VERSION=0.49.2
PACKAGE=Azure.Bicep.CommandLine.linux-x64
TOOLS=.tools/bicep
BICEP="$TOOLS/packages/azure.bicep.commandline.linux-x64/$BICEP_VERSION/tools/bicep"

if [ ! -x "$BICEP" ]; then
  mkdir -p "$TOOLS"
  # A project that only downloads the package: PackageDownload fetches it without referencing it.
  cat >"$TOOLS/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1-2)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
XML
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet restore "$TOOLS/restore.csproj" --packages "$TOOLS/packages" --verbosity quiet
  chmod +x "$BICEP"
fi
"$BICEP" --version

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
diagnostics="$out/diagnostics.txt"
: >"$diagnostics"
files=$(find infra -name '*.bicep' | sort)
for file in $files; do
  # build type-checks and emits ARM JSON (thrown away); lint runs the analyzers of bicepconfig.json.
  "$BICEP" build "$file" --outdir "$out" 2>>"$diagnostics" || echo "$file: bicep build failed" >>"$diagnostics"
  "$BICEP" lint "$file" 2>>"$diagnostics" >>"$diagnostics" || echo "$file: bicep lint failed" >>"$diagnostics"
done
# Each variant of main.bicep: build-params type-checks the values against the template and
# compiles both; lint runs the analyzers over the parameters file.
params=$(find infra -name '*.bicepparam' | sort)
for file in $params; do
  "$BICEP" build-params "$file" --stdout 2>>"$diagnostics" >/dev/null || echo "$file: bicep build-params failed" >>"$diagnostics"
  "$BICEP" lint "$file" 2>>"$diagnostics" >>"$diagnostics" || echo "$file: bicep lint failed" >>"$diagnostics"
done
# The location guard: a region without Flex Consumption must not get past the parameters.
guard=infra/check/.location-guard.bicepparam
trap 'rm -rf "$out" "$guard"' EXIT
sed "s/^param location = .*/param location = 'westindia'/" infra/check/azure-storage.bicepparam >"$guard"
if "$BICEP" build-params "$guard" --stdout >/dev/null 2>"$out/guard.txt" || ! grep -q "BCP033" "$out/guard.txt"; then
  echo "infra/main.bicep: location 'westindia' (no Flex Consumption) was not refused" >>"$diagnostics"
fi
rm -f "$guard"
# The same diagnostic is printed by both commands; show each once.
sort -u "$diagnostics" -o "$diagnostics"
count=$(echo "$files" | wc -w)
if [ -s "$diagnostics" ]; then
  cat "$diagnostics"
  echo "check:infra: $(wc -l <"$diagnostics") diagnostic(s) in $count Bicep files" >&2
  exit 1
fi
echo "check:infra: $count Bicep files and $(echo "$params" | wc -w) parameter files (both durable backends) build and lint with no errors and no warnings; a region without Flex Consumption is refused"
