#!/usr/bin/env bash
# Runs the whole suite (type check, unit, e2e) against NestJS 11, to prove the peer range
# `^11.0.0 || ^12.0.0` we claim. Works on a temporary copy so the main install is untouched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${NEST11_DIR:-$ROOT/.nest11}"
echo "== NestJS 11 run in $WORK"
mkdir -p "$WORK"
# Fresh sources every time (node_modules is kept between runs as a cache).
find "$WORK" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name package-lock.json -exec rm -rf {} +
tar -C "$ROOT" --exclude=./node_modules --exclude=./dist --exclude=./.nest11 --exclude=./.git \
  --exclude='./libs/resilience/node_modules' -cf - . | tar -C "$WORK" -xf -
node - "$WORK/package.json" <<'JS'
const fs = require('node:fs');
const file = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
const nest11 = {
  '@nestjs/common': '~11.2.10',
  '@nestjs/core': '~11.2.10',
  '@nestjs/platform-express': '~11.2.10',
  '@nestjs/testing': '~11.2.6',
  '@nestjs/terminus': '~11.1.1',
  '@nestjs/axios': '^4.0.1',
};
for (const section of ['dependencies', 'devDependencies']) {
  for (const [name, range] of Object.entries(nest11)) if (pkg[section]?.[name]) pkg[section][name] = range;
}
pkg.name = 'nest-resilience-nest11-check';
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
JS
# The copied lockfile pins Nest 12: resolve afresh for 11.
rm -f "$WORK/package-lock.json"
(cd "$WORK" && npm install --no-audit --no-fund --loglevel=error)
(cd "$WORK" && node -e "for (const p of ['common','core','testing','terminus']) console.log('@nestjs/'+p, require('./node_modules/@nestjs/'+p+'/package.json').version)")
(cd "$WORK" && node -e "const v=require('./node_modules/@nestjs/core/package.json').version; if(!v.startsWith('11.')){console.error('expected @nestjs/core 11, got '+v);process.exit(1)}")
(cd "$WORK" && npm test)
echo "== NestJS 11 run passed"
