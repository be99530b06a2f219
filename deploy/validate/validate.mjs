#!/usr/bin/env node
// Offline validation of TradeChain's Kubernetes manifests: no cluster needed.
//
//   node deploy/validate/validate.mjs                 every overlay under deploy/k8s/overlays
//   node deploy/validate/validate.mjs PATH …          kustomization folders (rendered with `kubectl kustomize`) or YAML files
//
// Every rendered object is checked against the Kubernetes schema of kubernetes-models 4.5.1 — strictly: a field the
// schema does not define (a misspelling) fails, which kubernetes-models alone does not do (see strictValidate) — and
// against our own rules: probes, requests and limits, pinned images, no plaintext secrets, non-root pods, JSON-RPC
// Services that keep a client on one node, no party's chain key given to a service.
// Custom resources kubernetes-models does not know (Dapr) get a minimal structural check; unknown kinds fail.
// Prints one line per check and exits 1 if any failed (2 if a target could not be rendered at all).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { validate as validateObjectMeta } from '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const kubectl = process.env.KUBECTL || 'kubectl';

const POD_TEMPLATE_PATHS = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const RUN_TO_COMPLETION = new Set(['Job', 'CronJob']);
// Names of settings that hold secrets: never with a literal value (use valueFrom.secretKeyRef or a secret store).
const SECRET_NAME = /(key|secret|password|passwd|token|cookie|credentials?)$/i;
const PUBLIC_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
// Literal credentials inside a value: Password=… in a connection string, user:password@ in a URL.
const SECRET_VALUE = [/(?:^|[;\s])(?:password|pwd)\s*=\s*(?!["']?\$)[^;\s"']+/i, /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i];

let failures = 0;
let checks = 0;
function report(ok, check, subject, detail) {
  checks++;
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${check.padEnd(9)} ${subject}${detail ? ` — ${detail}` : ''}`);
}

// ---------- rendering ----------
function targets(args) {
  if (args.length > 0) return args.map(a => resolve(a));
  const overlays = join(repo, 'deploy/k8s/overlays');
  return readdirSync(overlays).map(d => join(overlays, d)).filter(d => statSync(d).isDirectory()).sort();
}

function render(target) {
  if (statSync(target).isDirectory()) {
    return execFileSync(kubectl, ['kustomize', target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  }
  return readFileSync(target, 'utf8');
}

// Read YAML as Kubernetes (Go) does: a hex number too large for int64, such as an unquoted 0x… address in kustomize's
// output, is a string there, while YAML 1.2 in JavaScript would make it a (lossy) number.
const goLikeTags = tags => tags.map(t => (t.tag === 'tag:yaml.org,2002:int' && t.format === 'HEX'
  ? { ...t, resolve: str => (BigInt(str) > 0x7fffffffffffffffn ? str : Number(BigInt(str))) }
  : t));

function parse(text) {
  return parseAllDocuments(text, { customTags: goLikeTags }).map(doc => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map(e => e.message).join('; '));
    return doc.toJS();
  }).filter(o => o !== null && o !== undefined);
}

// ---------- schema ----------
// kubernetes-models' validators are ajv standalone code generated from the Kubernetes OpenAPI schema, which has no
// additionalProperties: false — so an unknown (misspelled) field passes. To reject it we let the generated validator
// walk the object through a proxy that records every property it reads: the validator reads each property its schema
// defines (and every entry of a map), so a property of an object it never read is one the schema does not know.
function recording(value, path, seen) {
  if (value === null || typeof value !== 'object') return value;
  const read = new Set();
  seen.push({ path, value, read });
  const children = new Map();
  return new Proxy(value, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string') return v;
      read.add(prop);
      if (v === null || typeof v !== 'object') return v;
      if (!children.has(prop)) children.set(prop, recording(v, `${path}/${prop}`, seen));
      return children.get(prop);
    },
    has(target, prop) {
      if (typeof prop === 'string') read.add(prop);
      return Reflect.has(target, prop);
    },
  });
}

function unknownFields(seen) {
  const unknown = [];
  for (const { path, value, read } of seen) {
    if (Array.isArray(value)) continue;
    for (const key of Object.keys(value)) if (!read.has(key)) unknown.push(`${path || '/'}: unknown field "${key}"`);
  }
  return unknown;
}

/** Runs a kubernetes-models validate function strictly; returns the problems found (empty when valid). */
function strictValidate(fn, object) {
  const seen = [];
  const ok = fn(recording(object, '', seen));
  const problems = ok ? [] : (fn.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
  return [...problems, ...unknownFields(seen)];
}

const modelCache = new Map();
async function modelValidator(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let fn = null;
  if (/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) && /^[A-Za-z0-9]+$/.test(kind)) {
    try {
      const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
      const Model = module[kind];
      // setValidateFunc wraps the generated validator: call it on the plain object (not a Model copy) via `this`.
      if (Model?.prototype?.validate) fn = data => { try { Model.prototype.validate.call(data); return true; } catch (e) { fn.errors = e.errors ?? [{ instancePath: '', message: e.message }]; return false; } };
    } catch (e) {
      if (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
    }
  }
  modelCache.set(key, fn);
  return fn;
}

// Custom resources that kubernetes-models has no schema for: a minimal structural check of our own.
const CUSTOM_RESOURCES = {
  'dapr.io/v1alpha1/Component': object => {
    const p = [];
    allowOnly(object, ['apiVersion', 'kind', 'metadata', 'spec', 'scopes', 'auth'], '', p);
    const spec = object.spec ?? {};
    allowOnly(spec, ['type', 'version', 'metadata', 'initTimeout', 'ignoreErrors'], '/spec', p);
    if (typeof spec.type !== 'string' || !/^[a-z]+\.[a-z0-9.-]+$/.test(spec.type)) p.push('/spec/type must name a component type such as secretstores.kubernetes');
    if (typeof spec.version !== 'string' || !/^v\d+/.test(spec.version)) p.push('/spec/version must be a version such as v1');
    for (const [i, m] of (spec.metadata ?? []).entries()) {
      allowOnly(m, ['name', 'value', 'secretKeyRef', 'envRef'], `/spec/metadata/${i}`, p);
      if (typeof m.name !== 'string') p.push(`/spec/metadata/${i}/name must be a string`);
    }
    if (object.scopes !== undefined && !(Array.isArray(object.scopes) && object.scopes.every(s => typeof s === 'string'))) p.push('/scopes must be a list of app ids');
    return p;
  },
  'dapr.io/v1alpha1/Configuration': object => {
    const p = [];
    allowOnly(object, ['apiVersion', 'kind', 'metadata', 'spec'], '', p);
    allowOnly(object.spec ?? {}, ['tracing', 'metric', 'metrics', 'secrets', 'accessControl', 'features', 'mtls', 'api', 'httpPipeline',
      'appHttpPipeline', 'nameResolution', 'logging', 'components', 'wasm', 'workflow'], '/spec', p);
    for (const [i, s] of (object.spec?.secrets?.scopes ?? []).entries()) {
      allowOnly(s, ['storeName', 'defaultAccess', 'allowedSecrets', 'deniedSecrets'], `/spec/secrets/scopes/${i}`, p);
      if (typeof s.storeName !== 'string') p.push(`/spec/secrets/scopes/${i}/storeName must be a string`);
      if (s.defaultAccess !== undefined && !['allow', 'deny'].includes(s.defaultAccess)) p.push(`/spec/secrets/scopes/${i}/defaultAccess must be allow or deny`);
    }
    return p;
  },
};

function allowOnly(object, keys, path, problems) {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) { problems.push(`${path || '/'} must be an object`); return; }
  for (const k of Object.keys(object)) if (!keys.includes(k)) problems.push(`${path || '/'}: unknown field "${k}"`);
}

async function schemaProblems(object) {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return ['apiVersion and kind are required'];
  const fn = await modelValidator(object.apiVersion, object.kind);
  if (fn) return strictValidate(fn, object);
  const custom = CUSTOM_RESOURCES[`${object.apiVersion}/${object.kind}`];
  if (!custom) return [`no schema for ${object.apiVersion} ${object.kind}: add a structural check to validate.mjs`];
  return [...strictValidate(validateObjectMeta, object.metadata ?? {}).map(p => `/metadata${p.startsWith('/') ? p : ` ${p}`}`), ...custom(object)];
}

// ---------- our rules ----------
const at = (object, path) => path.reduce((o, k) => (o == null ? undefined : o[k]), object);

function containersOf(podSpec) {
  return [
    ...(podSpec.initContainers ?? []).map(c => ({ ...c, init: true })),
    ...(podSpec.containers ?? []).map(c => ({ ...c, init: false })),
  ];
}

function probeProblems(kind, podSpec) {
  if (RUN_TO_COMPLETION.has(kind)) return null; // runs to completion: nothing to probe
  const p = [];
  for (const c of containersOf(podSpec)) {
    // Kubernetes refuses probes on plain init containers; a sidecar (restartPolicy: Always) must have them.
    if (c.init && c.restartPolicy !== 'Always') continue;
    for (const probe of ['readinessProbe', 'livenessProbe']) if (!c[probe]) p.push(`container ${c.name} has no ${probe}`);
  }
  return p;
}

function resourceProblems(podSpec) {
  const p = [];
  for (const c of containersOf(podSpec)) {
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) {
      if (c.resources?.[kind]?.[r] === undefined) p.push(`container ${c.name} has no ${kind}.${r}`);
    }
  }
  return p;
}

function imageProblems(podSpec) {
  const p = [];
  for (const c of containersOf(podSpec)) {
    const image = c.image ?? '';
    if (image.includes('@sha256:')) continue;
    const lastSegment = image.split('/').pop();
    const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : null;
    if (!image) p.push(`container ${c.name} has no image`);
    else if (!tag) p.push(`container ${c.name} image ${image} has no tag (pin a version)`);
    else if (tag === 'latest') p.push(`container ${c.name} image ${image} uses the latest tag (pin a version)`);
  }
  return p;
}

function nonRootProblems(podSpec) {
  const p = [];
  const podNonRoot = podSpec.securityContext?.runAsNonRoot === true;
  if (podSpec.securityContext?.runAsUser === 0) p.push('pod runs as user 0');
  for (const c of containersOf(podSpec)) {
    const sc = c.securityContext ?? {};
    if (sc.runAsUser === 0) p.push(`container ${c.name} runs as user 0`);
    if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) p.push(`container ${c.name} is not runAsNonRoot`);
  }
  return p;
}

function secretProblems(object) {
  const p = [];
  if (object.kind === 'Secret' && (Object.keys(object.data ?? {}).length > 0 || Object.keys(object.stringData ?? {}).length > 0)) {
    p.push('a Secret with values is committed (create it in the cluster instead, see deploy/README.md)');
  }
  const valueLooksSecret = v => typeof v === 'string' && SECRET_VALUE.some(r => r.test(v));
  if (object.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(object.data ?? {})) {
      // A contract's address (20 bytes, e.g. a settlement *token's*) is public; a private key (32 bytes) is not exempt.
      if (SECRET_NAME.test(k) && !PUBLIC_ADDRESS.test(String(v))) p.push(`ConfigMap key ${k} looks like a secret`);
      else if (valueLooksSecret(v)) p.push(`ConfigMap key ${k} holds a literal credential`);
    }
  }
  // Any name/value pair (container env, Dapr component metadata): a secret-looking name with a literal value.
  const walk = (node, path) => {
    if (node === null || typeof node !== 'object') return;
    if (!Array.isArray(node) && typeof node.name === 'string' && node.value !== undefined && node.value !== '') {
      if (SECRET_NAME.test(node.name)) p.push(`${path}: ${node.name} has a literal value (use valueFrom.secretKeyRef)`);
      else if (valueLooksSecret(String(node.value))) p.push(`${path}: ${node.name} holds a literal credential`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
  };
  if (object.kind !== 'ConfigMap') walk(object, '');
  return p;
}

// A party's chain key is the party's own (deploy/README.md, "Who holds which key"): no service is given one in a
// cluster — not even from a Secret — and none signs with the PUBLIC keys derived from party names. The services refuse
// both at startup outside Development; this finds them before a rollout does.
const PARTY_KEY = /^Parties__(?:Keys__.+|DeriveDevelopmentKeys)$/;
function partyKeyProblems(object) {
  const p = [];
  const held = (name, value) => PARTY_KEY.test(name) && !(name.endsWith('DeriveDevelopmentKeys') && String(value).toLowerCase() === 'false');
  if (object.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(object.data ?? {})) if (held(k, v)) p.push(`ConfigMap key ${k} gives a service a party's key`);
    return p;
  }
  const walk = (node, path) => {
    if (node === null || typeof node !== 'object') return;
    if (!Array.isArray(node) && typeof node.name === 'string' && (node.value !== undefined || node.valueFrom !== undefined)
        && held(node.name, node.value)) {
      p.push(`${path}: ${node.name} gives a service a party's key (parties sign through their own signers: Parties__Signers__<party>__*)`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
  };
  walk(object, '');
  return p;
}

/**
 * A Service for the chain's JSON-RPC (port 8545) that spreads over several nodes keeps each client on one node: the
 * services read the head from one call and the logs or receipts up to it from the next (ChainIndex.FinalBlockAsync
 * assumes one consistent node). Null when the object is no such Service.
 */
function rpcAffinityProblems(object) {
  if (object.kind !== 'Service' || object.spec?.clusterIP === 'None') return null;
  if (!(object.spec?.ports ?? []).some(p => p.port === 8545)) return null;
  return object.spec?.sessionAffinity === 'ClientIP' ? []
    : [`Service ${object.metadata?.name} serves JSON-RPC on 8545 without sessionAffinity: ClientIP (a client's head read and the logs up to it may come from different nodes)`];
}

// The settings of each service that run its single-process writers (see writerProblems).
const WRITERS = {
  customs: ['Anchoring__Enabled', 'Outbox__DispatchEnabled', 'ReleaseAttestation__Enabled'],
  documents: ['Anchoring__Enabled', 'Outbox__DispatchEnabled', 'Issuance__Enabled'],
  payments: ['Anchoring__Enabled', 'Outbox__DispatchEnabled', 'Payments__SettlementWorkerEnabled'],
};
/**
 * One process per service sends its account's transactions and dispatches its outbox (deploy/README.md, "One worker
 * process per service"): no row claiming, one in-process nonce sequence per signing account. So a workload of a
 * TradeChain service runs those writers (any of its service's settings in WRITERS not set "false"; unset means on) only
 * as a Deployment of exactly one replica replaced by Recreate (a rolling update would run two for a while), or a
 * StatefulSet or ReplicaSet of one; never as a DaemonSet; and no autoscaler scales it (checked in main). A bare Pod is
 * one process; Jobs and CronJobs run to completion and are not checked. Returns the workload's name and writers (null
 * when it runs none or is no service's), and the problems found.
 */
function writerProblems(object) {
  const path = POD_TEMPLATE_PATHS[object.kind];
  const podSpec = path && at(object, path);
  if (!podSpec) return null;
  // The service by its container's name or its image's repository (…/tradechain/<service>:tag), whichever names one.
  const serviceOf = c => [c.name, /\/tradechain\/([a-z]+)(?:[:@]|$)/.exec(c.image ?? '')?.[1]].find(n => n && Object.hasOwn(WRITERS, n));
  const container = (podSpec.containers ?? []).find(c => serviceOf(c));
  if (!container) return null;
  // .NET reads configuration keys case-insensitively: so does this.
  const env = new Map((container.env ?? []).map(e => [String(e.name).toLowerCase(), e.value]));
  const running = WRITERS[serviceOf(container)].filter(n => String(env.get(n.toLowerCase()) ?? 'true').toLowerCase() !== 'false');
  if (running.length === 0) return null;
  const p = [];
  const name = object.metadata?.name;
  const what = `${object.kind} ${name} runs ${running.join(', ')} (not "false")`;
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'ReplicaSet') {
    if (object.spec?.replicas !== 1) p.push(`${what} with replicas ${object.spec?.replicas ?? 'unset'}: only one process may (set them "false" on the API pods, as the base does)`);
    if (object.kind === 'Deployment' && object.spec?.strategy?.type !== 'Recreate') p.push(`${what} without strategy Recreate: a rolling update runs two for a while`);
  } else if (object.kind === 'DaemonSet') {
    p.push(`${what}: a DaemonSet runs it on every node (run it in a Deployment of one replica)`);
  } // a bare Pod is one process; a Job or CronJob runs to completion

  return { name, running, problems: p };
}

// ---------- main ----------
async function validateObject(object, source, workers) {
  const subject = `${source} ${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
  const schema = await schemaProblems(object);
  report(schema.length === 0, 'schema', subject, schema.join('; '));
  const secrets = secretProblems(object);
  report(secrets.length === 0, 'secrets', subject, secrets.join('; '));
  if (object.kind === 'ConfigMap' || POD_TEMPLATE_PATHS[object.kind]) {
    const partyKeys = partyKeyProblems(object);
    report(partyKeys.length === 0, 'party-key', subject, partyKeys.join('; '));
  }
  const rpc = rpcAffinityProblems(object);
  if (rpc) report(rpc.length === 0, 'rpc-affinity', subject, rpc.join('; '));
  const writers = writerProblems(object);
  if (writers) {
    report(writers.problems.length === 0, 'one-writer', subject, writers.problems.join('; '));
    workers.set(`${object.kind}/${writers.name}`, writers.running);
  }
  const path = POD_TEMPLATE_PATHS[object.kind];
  const podSpec = path && at(object, path);
  if (!podSpec) return;
  const probes = probeProblems(object.kind, podSpec);
  if (probes) report(probes.length === 0, 'probes', subject, probes.join('; '));
  const resources = resourceProblems(podSpec);
  report(resources.length === 0, 'resources', subject, resources.join('; '));
  const images = imageProblems(podSpec);
  report(images.length === 0, 'images', subject, images.join('; '));
  const nonRoot = nonRootProblems(podSpec);
  report(nonRoot.length === 0, 'non-root', subject, nonRoot.join('; '));
}

let unrenderable = false;
for (const target of targets(process.argv.slice(2))) {
  const source = relative(repo, target) || target;
  let objects;
  try {
    if (!existsSync(target)) throw new Error('no such file or folder');
    objects = parse(render(target));
    report(objects.length > 0, 'render', source, objects.length > 0 ? `${objects.length} objects` : 'rendered nothing');
  } catch (e) {
    report(false, 'render', source, (e.stderr?.toString() || e.message).trim().split('\n')[0]);
    unrenderable = true;
    continue;
  }
  const workers = new Map();
  for (const object of objects) await validateObject(object, source, workers);
  // An autoscaler must not scale a Deployment that runs the writers.
  for (const hpa of objects.filter(o => o.kind === 'HorizontalPodAutoscaler')) {
    const target = hpa.spec?.scaleTargetRef;
    const scaled = `${target?.kind}/${target?.name}`;
    if (!workers.has(scaled)) continue;
    report(false, 'one-writer', `${source} HorizontalPodAutoscaler/${hpa.metadata?.name}`,
      `scales ${target.kind} ${target.name}, which runs ${workers.get(scaled).join(', ')}: only one process may`);
  }
}
console.log(`${checks} checks, ${failures} failures`);
process.exit(unrenderable ? 2 : failures > 0 ? 1 : 0);
