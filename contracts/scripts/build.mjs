#!/usr/bin/env node
// Compiles every contracts/src/*.sol with the pinned solcjs through standard-JSON input, writes
// contracts/out/<ContractName>.json for each of our contracts, and generates the typed Nethereum C# classes
// (see gen-csharp.mjs).
//
//   node contracts/scripts/build.mjs [--out-cs <dir>]
//
// Runs from any working directory. Exits non-zero, printing the compiler's messages, on any compiler error;
// warnings are printed but do not fail the build.

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCSharp } from './gen-csharp.mjs';

const scriptDir = dirname(fileURLToPath(import.meta.url));
const contractsDir = resolve(scriptDir, '..');
const repoRoot = resolve(contractsDir, '..');
const srcDir = join(contractsDir, 'src');
const outDir = join(contractsDir, 'out');
const nodeModulesDir = join(contractsDir, 'node_modules');
const defaultCsDir = join(repoRoot, 'services', 'shared', 'TradeChain.Ledger', 'Contracts', 'Generated');

function fail(message) {
  process.stderr.write(`build.mjs: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { outCs: defaultCsDir };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out-cs') {
      if (i + 1 >= argv.length) fail('--out-cs needs a directory');
      args.outCs = resolve(process.cwd(), argv[++i]);
    } else if (arg.startsWith('--out-cs=')) {
      args.outCs = resolve(process.cwd(), arg.slice('--out-cs='.length));
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write('usage: node contracts/scripts/build.mjs [--out-cs <dir>]\n');
      process.exit(0);
    } else {
      fail(`unknown argument: ${arg}`);
    }
  }
  return args;
}

/** Writes `content` to `file` unless it already holds exactly that; returns whether it wrote. */
function writeIfChanged(file, content) {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return true;
}

/** Deletes files in `dir` matching `suffix` that the current build did not produce. */
function removeStale(dir, suffix, keep, marker) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith(suffix) || keep.has(entry)) continue;
    const file = join(dir, entry);
    if (marker && !readFileSync(file, 'utf8').includes(marker)) continue;
    rmSync(file);
    console.log(`removed stale ${relative(repoRoot, file)}`);
  }
}

/**
 * Import callback: `@openzeppelin/...` (and any other package) from contracts/node_modules, anything else
 * relative to contracts/. Never reads outside those two trees.
 */
function findImports(importPath) {
  const candidates = [join(nodeModulesDir, importPath), join(contractsDir, importPath)];
  for (const candidate of candidates) {
    const full = resolve(candidate);
    if (!full.startsWith(contractsDir + sep)) continue;
    if (existsSync(full)) return { contents: readFileSync(full, 'utf8') };
  }
  return { error: `File not found: ${importPath} (looked in contracts/node_modules and contracts/)` };
}

function loadSolc() {
  const require = createRequire(join(contractsDir, 'package.json'));
  try {
    return require('solc');
  } catch (e) {
    fail(`cannot load solc from contracts/node_modules (run "npm ci" in contracts/): ${e.message}`);
  }
  return undefined;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const solc = loadSolc();

  const files = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort() : [];
  if (files.length === 0) fail(`no .sol files in ${srcDir}`);

  const sources = {};
  for (const file of files) {
    sources[`src/${file}`] = { content: readFileSync(join(srcDir, file), 'utf8') };
  }

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: {
        '*': {
          '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'userdoc', 'devdoc'],
        },
      },
    },
  };

  console.log(`compiling ${files.length} source file(s) with solc ${solc.version()}`);
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const errors = [];
  for (const message of output.errors ?? []) {
    const text = (message.formattedMessage ?? message.message ?? '').trimEnd();
    if (message.severity === 'error') {
      errors.push(text);
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
  if (errors.length > 0) {
    process.stderr.write(`${errors.join('\n')}\n`);
    fail(`compilation failed with ${errors.length} error(s)`);
  }

  // Our contracts only: the source units under src/, not the OpenZeppelin ones they import.
  const contracts = [];
  for (const sourceUnit of Object.keys(sources)) {
    const unit = output.contracts?.[sourceUnit] ?? {};
    for (const contractName of Object.keys(unit).sort()) {
      const c = unit[contractName];
      contracts.push({
        contractName,
        sourceFile: `contracts/${sourceUnit}`,
        abi: c.abi,
        bytecode: `0x${c.evm?.bytecode?.object ?? ''}`,
        deployedBytecode: `0x${c.evm?.deployedBytecode?.object ?? ''}`,
        userdoc: c.userdoc ?? {},
        devdoc: c.devdoc ?? {},
      });
    }
  }

  const seen = new Map();
  for (const c of contracts) {
    if (seen.has(c.contractName)) {
      fail(`contract name ${c.contractName} is declared in both ${seen.get(c.contractName)} and ${c.sourceFile}`);
    }
    seen.set(c.contractName, c.sourceFile);
  }

  const artefacts = new Set();
  for (const c of contracts) {
    const name = `${c.contractName}.json`;
    artefacts.add(name);
    const json = `${JSON.stringify({
      contractName: c.contractName,
      abi: c.abi,
      bytecode: c.bytecode,
      deployedBytecode: c.deployedBytecode,
    }, null, 2)}\n`;
    const wrote = writeIfChanged(join(outDir, name), json);
    console.log(`${wrote ? 'wrote    ' : 'unchanged'} ${relative(repoRoot, join(outDir, name))}`);
  }
  removeStale(outDir, '.json', artefacts);

  const generated = new Set();
  for (const c of contracts) {
    const name = `${c.contractName}.g.cs`;
    generated.add(name);
    const code = generateCSharp(c);
    const wrote = writeIfChanged(join(args.outCs, name), code);
    console.log(`${wrote ? 'wrote    ' : 'unchanged'} ${relative(repoRoot, join(args.outCs, name)) || name}`);
  }
  removeStale(args.outCs, '.g.cs', generated, 'Generated by contracts/scripts/gen-csharp.mjs');

  console.log(`built ${contracts.length} contract(s)`);
}

main();
