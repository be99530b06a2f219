// Generates typed Nethereum (6.x) contract classes from a solc ABI: one C# file per contract.
//
// For contract C (namespace TradeChain.Ledger.Contracts.C):
//   CDeployment : ContractDeploymentMessage       constructor parameters, BYTECODE
//   <Name>Function : FunctionMessage               one per ABI function, [Function("name"[, "returnType" | typeof(DTO)])]
//   <Name>OutputDTO : IFunctionOutputDTO           one per function that has outputs
//   <Name>EventDTO : IEventDTO                     one per event, [Parameter(type, name, order, indexed)]
//   <Name>Error : IErrorDTO                        one per custom error (including inherited ones in the ABI)
//   <StructName> ([Struct])                        one per tuple type used
//
// <Name> is the PascalCase ABI name (ALL_CAPS_WITH_UNDERSCORES by words: DEFAULT_ADMIN_ROLE -> DefaultAdminRole);
// later overloads of a name get 2, 3, ... appended. Unnamed parameters are ReturnValue1, ReturnValue2, ...
// (by position). Output is deterministic: entries in ABI order, nothing time- or machine-dependent.

const NAMESPACE_ROOT = 'TradeChain.Ledger.Contracts';

// Members of Nethereum's FunctionMessage / ContractDeploymentMessage that a parameter property must not hide.
const RESERVED_MEMBERS = new Set([
  'AmountToSend', 'Gas', 'GasPrice', 'FromAddress', 'Nonce', 'MaxFeePerGas', 'MaxPriorityFeePerGas',
  'TransactionType', 'AccessList', 'AuthorisationList', 'ByteCode', 'Equals', 'GetHashCode', 'GetType',
  'ToString', 'MemberwiseClone', 'ReferenceEquals',
]);

/** PascalCase of a Solidity identifier; ALL_CAPS_WITH_UNDERSCORES is converted word by word. */
export function pascalCase(name) {
  const stripped = name.replace(/\$/g, '_').replace(/^_+|_+$/g, '');
  if (stripped === '') return '';
  const allCaps = /^[A-Z0-9_]+$/.test(stripped) && /[A-Z]/.test(stripped);
  const words = stripped.split('_').filter((w) => w !== '');
  const pascal = words
    .map((w) => (allCaps ? w.charAt(0) + w.slice(1).toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
  return /^[0-9]/.test(pascal) ? `_${pascal}` : pascal;
}

function escapeString(s) {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function escapeXml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Canonical ABI type of a parameter (tuples expanded), as used in signatures. */
function canonicalType(param) {
  if (param.type.startsWith('tuple')) {
    const inner = (param.components ?? []).map(canonicalType).join(',');
    return `(${inner})${param.type.slice('tuple'.length)}`;
  }
  return param.type;
}

function signature(entry) {
  return `${entry.name}(${(entry.inputs ?? []).map(canonicalType).join(',')})`;
}

/** Name of the C# class for a tuple parameter: the struct's name from internalType, else derived from the parameter. */
function structClassName(param, fallback) {
  const internal = param.internalType ?? '';
  const m = /^struct\s+([A-Za-z0-9_$.]+?)(\[[0-9]*\])*$/.exec(internal);
  if (m) {
    const last = m[1].split('.').pop();
    return pascalCase(last) || fallback;
  }
  return fallback;
}

class Generator {
  constructor(contract) {
    this.contract = contract;
    this.structs = new Map(); // class name -> { key, components }
    this.structOrder = [];
  }

  /** C# type for an ABI parameter, registering struct classes for tuples. */
  csType(param, ownerName) {
    const arrayMatch = /^(.*)\[([0-9]*)\]$/.exec(param.type);
    if (arrayMatch) {
      const element = { ...param, type: arrayMatch[1] };
      if (param.internalType) element.internalType = param.internalType.replace(/\[[0-9]*\]$/, '');
      return `List<${this.csType(element, ownerName)}>`;
    }
    const t = param.type;
    if (t === 'tuple') return this.registerStruct(param, ownerName);
    if (t === 'address' || t === 'string') return 'string';
    if (t === 'bool') return 'bool';
    if (t === 'bytes' || /^bytes([1-9]|[12][0-9]|3[0-2])$/.test(t)) return 'byte[]';
    if (/^u?int([0-9]+)?$/.test(t)) return 'BigInteger';
    if (t === 'function') return 'byte[]';
    throw new Error(`${this.contract.contractName}: unsupported ABI type "${t}"`);
  }

  registerStruct(param, ownerName) {
    const fallback = `${ownerName}${pascalCase(param.name) || 'Tuple'}`;
    const name = structClassName(param, fallback);
    const key = JSON.stringify((param.components ?? []).map((c) => [c.name, canonicalType(c)]));
    const existing = this.structs.get(name);
    if (existing) {
      if (existing.key !== key) {
        throw new Error(`${this.contract.contractName}: two different tuple types map to the C# class ${name}`);
      }
      return name;
    }
    const entry = { key, components: param.components ?? [] };
    this.structs.set(name, entry);
    this.structOrder.push(name);
    // Register nested tuples now so that the order is deterministic (depth-first, in ABI order).
    entry.properties = this.properties(entry.components, { indexed: false, owner: name });
    return name;
  }

  /** Property descriptors for a parameter list: ABI type string, ABI name, order, C# name and type. */
  properties(params, { indexed, owner, reserved = RESERVED_MEMBERS }) {
    const used = new Set([owner]);
    return params.map((p, i) => {
      const order = i + 1;
      let name = pascalCase(p.name ?? '') || `ReturnValue${order}`;
      if (reserved.has(name)) name = `${name}Value`;
      while (used.has(name)) name = `${name}${order}`;
      used.add(name);
      return {
        abiType: p.type,
        abiName: p.name ?? '',
        order,
        indexed: indexed ? Boolean(p.indexed) : undefined,
        csName: name,
        csType: this.csType(p, owner),
      };
    });
  }

  /** Assigns the class base names: PascalCase, later overloads (same base) numbered 2, 3, ... */
  static baseNames(entries) {
    const counts = new Map();
    return entries.map((e) => {
      const base = pascalCase(e.name) || 'Unnamed';
      const n = (counts.get(base) ?? 0) + 1;
      counts.set(base, n);
      return n === 1 ? base : `${base}${n}`;
    });
  }

  docFor(kind, sig) {
    const { userdoc, devdoc } = this.contract;
    const pick = (doc) => {
      if (!doc) return undefined;
      if (kind === 'constructor') return doc.methods?.constructor;
      const table = doc[kind];
      const v = table?.[sig];
      return Array.isArray(v) ? v[0] : v;
    };
    const parts = [];
    const u = pick(userdoc);
    const d = pick(devdoc);
    if (u?.notice) parts.push(u.notice);
    if (d?.details) parts.push(d.details);
    return parts.join(' ').replace(/\s+/g, ' ').trim();
  }

  /** A one-line XML summary: `markup` is emitted as is, `doc` (NatSpec text) is escaped and appended. */
  summary(lines, markup, doc) {
    const text = doc ? `${markup}: ${escapeXml(doc)}` : `${markup}.`;
    lines.push(`/// <summary>${text}</summary>`);
  }

  propertyLines(lines, props, { event = false } = {}) {
    props.forEach((p, i) => {
      if (i > 0) lines.push('');
      const attr = event
        ? `[Parameter("${escapeString(p.abiType)}", "${escapeString(p.abiName)}", ${p.order}, ${p.indexed ? 'true' : 'false'})]`
        : `[Parameter("${escapeString(p.abiType)}", "${escapeString(p.abiName)}", ${p.order})]`;
      const init = isReferenceType(p.csType) ? ' = default!;' : '';
      lines.push(`    ${attr}`);
      lines.push(`    public virtual ${p.csType} ${p.csName} { get; set; }${init}`);
    });
  }

  generate() {
    const { contractName, abi, bytecode, sourceFile } = this.contract;
    const blocks = [];

    // Deployment
    const ctor = abi.find((e) => e.type === 'constructor');
    const hasBytecode = bytecode && bytecode !== '0x';
    if (hasBytecode) {
      const className = `${contractName}Deployment`;
      const props = this.properties(ctor?.inputs ?? [], { indexed: false, owner: className });
      const lines = [];
      this.summary(lines, `Deploys ${contractName}`, this.docFor('constructor'));
      lines.push(`public partial class ${className} : ContractDeploymentMessage`);
      lines.push('{');
      lines.push(`    public const string BYTECODE = "${bytecode}";`);
      lines.push('');
      lines.push(`    public ${className}() : base(BYTECODE) { }`);
      lines.push('');
      lines.push(`    public ${className}(string byteCode) : base(byteCode) { }`);
      if (props.length > 0) lines.push('');
      this.propertyLines(lines, props);
      lines.push('}');
      blocks.push(lines);
    }

    // Functions (and their outputs)
    const functions = abi.filter((e) => e.type === 'function');
    const functionNames = Generator.baseNames(functions);
    functions.forEach((fn, i) => {
      const base = functionNames[i];
      const className = `${base}Function`;
      const outputs = fn.outputs ?? [];
      const outputClass = `${base}OutputDTO`;
      const props = this.properties(fn.inputs ?? [], { indexed: false, owner: className });
      const lines = [];
      const sig = signature(fn);
      this.summary(lines, `<c>${escapeXml(sig)}</c> (${fn.stateMutability ?? 'nonpayable'})`, this.docFor('methods', sig));
      let attr;
      if (outputs.length === 0) {
        attr = `[Function("${escapeString(fn.name)}")]`;
      } else if (outputs.length === 1 && !outputs[0].type.startsWith('tuple')) {
        attr = `[Function("${escapeString(fn.name)}", "${escapeString(outputs[0].type)}")]`;
      } else {
        attr = `[Function("${escapeString(fn.name)}", typeof(${outputClass}))]`;
      }
      lines.push(attr);
      lines.push(`public partial class ${className} : FunctionMessage`);
      lines.push('{');
      this.propertyLines(lines, props);
      lines.push('}');
      blocks.push(lines);

      if (outputs.length > 0) {
        const outProps = this.properties(outputs, { indexed: false, owner: outputClass, reserved: new Set() });
        const out = [];
        this.summary(out, `The outputs of <c>${escapeXml(sig)}</c>`);
        out.push('[FunctionOutput]');
        out.push(`public partial class ${outputClass} : IFunctionOutputDTO`);
        out.push('{');
        this.propertyLines(out, outProps);
        out.push('}');
        blocks.push(out);
      }
    });

    // Events
    const events = abi.filter((e) => e.type === 'event');
    const eventNames = Generator.baseNames(events);
    const eventBlocks = events.map((ev, i) => {
      const className = `${eventNames[i]}EventDTO`;
      const props = this.properties(ev.inputs ?? [], { indexed: true, owner: className, reserved: new Set() });
      const lines = [];
      this.summary(lines, `Event <c>${escapeXml(signature(ev))}</c>`, this.docFor('events', signature(ev)));
      lines.push(`[Event("${escapeString(ev.name)}")]`);
      lines.push(`public partial class ${className} : IEventDTO`);
      lines.push('{');
      this.propertyLines(lines, props, { event: true });
      lines.push('}');
      return lines;
    });

    // Custom errors
    const errors = abi.filter((e) => e.type === 'error');
    const errorNames = Generator.baseNames(errors);
    const errorBlocks = errors.map((er, i) => {
      const className = `${errorNames[i]}Error`;
      const props = this.properties(er.inputs ?? [], { indexed: false, owner: className, reserved: new Set() });
      const lines = [];
      this.summary(lines, `Custom error <c>${escapeXml(signature(er))}</c>`, this.docFor('errors', signature(er)));
      lines.push(`[Error("${escapeString(er.name)}")]`);
      lines.push(`public partial class ${className} : IErrorDTO`);
      lines.push('{');
      this.propertyLines(lines, props);
      lines.push('}');
      return lines;
    });

    // Structs (collected while mapping types above)
    const structBlocks = this.structOrder.map((name) => {
      const s = this.structs.get(name);
      const lines = [];
      this.summary(lines, `Solidity tuple <c>(${escapeXml(s.components.map(canonicalType).join(','))})</c>`);
      lines.push(`[Struct("${escapeString(name)}")]`);
      lines.push(`public partial class ${name}`);
      lines.push('{');
      this.propertyLines(lines, s.properties);
      lines.push('}');
      return lines;
    });

    const header = [
      `// <auto-generated> Generated by contracts/scripts/gen-csharp.mjs from ${sourceFile} — do not edit by hand. </auto-generated>`,
      '#nullable enable',
      '',
      'using System;',
      'using System.Collections.Generic;',
      'using System.Numerics;',
      'using Nethereum.ABI.FunctionEncoding.Attributes;',
      'using Nethereum.Contracts;',
      'using Nethereum.Hex.HexTypes;',
      '',
      `namespace ${NAMESPACE_ROOT}.${contractName};`,
    ];
    const all = [...blocks, ...eventBlocks, ...errorBlocks, ...structBlocks];
    const body = all.map((b) => b.join('\n')).join('\n\n');
    return `${header.join('\n')}\n\n${body}\n`;
  }
}

function isReferenceType(csType) {
  return csType !== 'bool' && csType !== 'BigInteger';
}

/**
 * Returns the C# source for one compiled contract.
 * @param {{contractName: string, sourceFile: string, abi: any[], bytecode: string, userdoc?: any, devdoc?: any}} contract
 */
export function generateCSharp(contract) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contract.contractName)) {
    throw new Error(`contract name ${contract.contractName} is not a valid C# identifier`);
  }
  return new Generator(contract).generate();
}
