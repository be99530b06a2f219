#!/usr/bin/env node
// Generates the QBFT network files for deploy/k8s from four validator node keys: genesis.json (QBFT settings,
// zero base fee, extraData listing the validators), static-nodes.json and permissions_config.toml (node and
// account allowlists). No dependencies: secp256k1 public keys come from node:crypto, keccak-256 is below.
//
//   node deploy/besu/generate-network.mjs --out DIR [--keys DIR] [--accounts 0xA,0xB,...] [--namespace NS]
//
// --keys DIR      a folder with validator-0 … validator-3, each a hex node private key (generate them with
//                 `besu public-key export` / `openssl rand -hex 32`). Without it the PUBLIC, WELL-KNOWN anvil/Hardhat
//                 development keys #6–#9 are used as placeholders: fine for a dev cluster, never for production.
// --accounts      the account allowlist (deployer and service signing accounts). Without it: the PUBLIC anvil
//                 development accounts #0–#3 that tools/TradeChain.Cli deploys with and the services sign with locally.
import { createECDH } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// PUBLIC, WELL-KNOWN anvil/Hardhat development keys (mnemonic "test test … junk"), accounts #6–#9. Placeholders only.
export const ANVIL_PUBLIC_DEV_VALIDATOR_KEYS = [
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];
// PUBLIC anvil development accounts #0 (deployer, hard-wired in tools/TradeChain.Cli) and #1–#3 (customs, documents, payments).
export const ANVIL_PUBLIC_DEV_ACCOUNTS = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
];
export const CHAIN_ID = 31337; // tools/TradeChain.Cli signs with DevelopmentAccounts.ChainId
export const QBFT = { blockperiodseconds: 2, epochlength: 30000, requesttimeoutseconds: 4 };

// ---- keccak-256 (Keccak-f[1600], original padding 0x01 as Ethereum uses) ----
const MASK = (1n << 64n) - 1n;
const RC = [0x1n, 0x8082n, 0x800000000000808an, 0x8000000080008000n, 0x808bn, 0x80000001n, 0x8000000080008081n,
  0x8000000000008009n, 0x8an, 0x88n, 0x80008009n, 0x8000000an, 0x8000808bn, 0x800000000000008bn, 0x8000000000008089n,
  0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n, 0x800an, 0x800000008000000an, 0x8000000080008081n,
  0x8000000000008080n, 0x80000001n, 0x8000000080008008n];
const ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]];
const rotl = (v, n) => (n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & MASK);

function keccakF(a) {
  for (let round = 0; round < 24; round++) {
    const c = [0, 1, 2, 3, 4].map(x => a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20]);
    const d = [0, 1, 2, 3, 4].map(x => c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1));
    for (let i = 0; i < 25; i++) a[i] ^= d[i % 5];
    const b = new Array(25);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], ROT[x][y]);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) a[x + 5 * y] = b[x + 5 * y] ^ (~b[((x + 1) % 5) + 5 * y] & MASK & b[((x + 2) % 5) + 5 * y]);
    a[0] ^= RC[round];
  }
}

export function keccak256(bytes) {
  const rate = 136;
  const padded = new Uint8Array(Math.floor(bytes.length / rate) * rate + rate);
  padded.set(bytes);
  padded[bytes.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const a = new Array(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let lane = 0n;
      for (let j = 7; j >= 0; j--) lane = (lane << 8n) | BigInt(padded[off + i * 8 + j]);
      a[i] ^= lane;
    }
    keccakF(a);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 8; j++) out[i * 8 + j] = Number((a[i] >> BigInt(8 * j)) & 0xffn);
  return out;
}

const hex = b => Buffer.from(b).toString('hex');
const unhex = s => Buffer.from(s.replace(/^0x/, ''), 'hex');

export function checksumAddress(address) {
  const lower = address.replace(/^0x/, '').toLowerCase();
  const hash = hex(keccak256(Buffer.from(lower, 'ascii')));
  return '0x' + [...lower].map((ch, i) => (parseInt(hash[i], 16) >= 8 ? ch.toUpperCase() : ch)).join('');
}

/** Node public key (64 bytes, no 0x04 prefix) and the account address of a secp256k1 private key. */
export function nodeIdentity(privateKeyHex) {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(unhex(privateKeyHex));
  const publicKey = ecdh.getPublicKey().subarray(1);
  return { publicKey: hex(publicKey), address: checksumAddress(hex(keccak256(publicKey).subarray(12))) };
}

// ---- RLP ----
function rlpLength(length, offset) {
  if (length < 56) return Buffer.from([offset + length]);
  const bytes = Buffer.from(length.toString(16).padStart(length.toString(16).length + (length.toString(16).length % 2), '0'), 'hex');
  return Buffer.concat([Buffer.from([offset + 55 + bytes.length]), bytes]);
}
export function rlp(item) {
  if (Array.isArray(item)) {
    const body = Buffer.concat(item.map(rlp));
    return Buffer.concat([rlpLength(body.length, 0xc0), body]);
  }
  const bytes = Buffer.from(item);
  if (bytes.length === 1 && bytes[0] < 0x80) return bytes;
  return Buffer.concat([rlpLength(bytes.length, 0x80), bytes]);
}

/** QBFT genesis extraData: RLP([32-byte vanity, [validators], no vote, round 0, no seals]). */
export function qbftExtraData(validatorAddresses) {
  return '0x' + hex(rlp([Buffer.alloc(32), validatorAddresses.map(unhex), [], Buffer.alloc(0), []]));
}

export function generate({ keys = ANVIL_PUBLIC_DEV_VALIDATOR_KEYS, accounts = ANVIL_PUBLIC_DEV_ACCOUNTS, namespace = 'tradechain' } = {}) {
  const validators = keys.map((k, i) => ({ ...nodeIdentity(k), host: `besu-validator-${i}.besu-validator.${namespace}.svc.cluster.local` }));
  const enodes = validators.map(v => `enode://${v.publicKey}@${v.host}:30303`);
  const genesis = {
    config: {
      chainId: CHAIN_ID, berlinBlock: 0, londonBlock: 0, shanghaiTime: 0, cancunTime: 0, zeroBaseFee: true, qbft: QBFT,
    },
    nonce: '0x0', timestamp: '0x0', gasLimit: '0x1fffffffffffff', difficulty: '0x1',
    mixHash: '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365',
    coinbase: '0x0000000000000000000000000000000000000000',
    alloc: {},
    extraData: qbftExtraData(validators.map(v => v.address)),
  };
  const permissions = [
    '# Generated by deploy/besu/generate-network.mjs: node and account allowlists (Besu local permissioning).',
    `accounts-allowlist=[${accounts.map(a => `"${checksumAddress(a)}"`).join(',')}]`,
    `nodes-allowlist=[${enodes.map(e => `"${e}"`).join(',')}]`,
    '',
  ].join('\n');
  return { validators, genesis, permissions, staticNodes: enodes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
  if (!args.out) { console.error('usage: generate-network.mjs --out DIR [--keys DIR] [--accounts 0xA,0xB] [--namespace NS]'); process.exit(2); }
  if (hex(keccak256(Buffer.alloc(0))) !== 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470') throw new Error('keccak self-test failed');
  const keys = args.keys ? [0, 1, 2, 3].map(i => readFileSync(join(args.keys, `validator-${i}`), 'utf8').trim()) : undefined;
  const accounts = args.accounts ? args.accounts.split(',').map(s => s.trim()) : undefined;
  const out = generate({ keys, accounts, namespace: args.namespace });
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'genesis.json'), JSON.stringify(out.genesis, null, 2) + '\n');
  writeFileSync(join(args.out, 'static-nodes.json'), JSON.stringify(out.staticNodes, null, 2) + '\n');
  writeFileSync(join(args.out, 'permissions_config.toml'), out.permissions);
  for (const [i, v] of out.validators.entries()) console.log(`validator-${i}  ${v.address}  enode://${v.publicKey.slice(0, 16)}…@${v.host}:30303`);
  console.log(`extraData ${out.genesis.extraData}`);
  if (!args.keys) console.log('placeholder keys: the PUBLIC anvil development keys #6–#9 — generate real node keys for production');
}
