#!/usr/bin/env pwsh
# Orion build script: each target runs the same dotnet command the README gives.
param(
    [ValidateSet('build', 'test', 'run', 'demo', 'bench')]
    [string]$Target = 'build',
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

switch ($Target) {
    'build' { dotnet build Orion.sln -c Release }
    'test'  { dotnet test }
    'run'   { dotnet run --project src/Silo -- @Rest }
    'demo'  { dotnet run --project src/Silo -- --demo @Rest }
    'bench' { dotnet run -c Release --project tests/Orion.Benchmarks -- @Rest }
}
exit $LASTEXITCODE
