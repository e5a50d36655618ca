#!/usr/bin/env bash
# Packs the test assembly, self-contained for linux-x64, so the Category=gpu tests run on a GPU machine that has no .NET:
#   tools/publish-gpu-tests.sh gpu-tests.tar.xz
# there:
#   tar -xJf gpu-tests.tar.xz && gpu-tests/Orion.Tests -trait Category=gpu -showLiveOutput -xml gpu.xml
# (xUnit v3: the test assembly is its own runner.) Needs python3 there for the CUDA process tests.
set -euo pipefail
out=$(realpath -m "${1:?usage: tools/publish-gpu-tests.sh OUT.tar.xz}")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish tests/Orion.Tests -c Release -r linux-x64 --self-contained -o "$work/gpu-tests" >/dev/null
cd "$work/gpu-tests"
# Most of the size and none of what those tests use: the browser tests' driver, code coverage, other platforms'
# natives, translations, debugger support.
rm -rf .playwright CodeCoverage macos alpine arm64 x86 libmscordaccore.so libmscordbi.so createdump
find . -name '*.resources.dll' -delete
find . -type d -empty -delete
tar -C "$work" -cJf "$out" gpu-tests
echo "$out: $(du -h "$out" | cut -f1)"
