// Raises a model's default-domain opset import, rewriting every node whose signature
// changed on the way, like ONNX's version converter (onnx/version_converter/adapters).
//
// Why: QuantizeLinear/DequantizeLinear need opset 10 and per-axis Q/DQ needs 13, while
// real models arrive at 7..12. Raising the import alone silently changes the meaning of
// Slice, Softmax, Squeeze, Clip, ... so each schema change between the model's opset and
// the target is either a known-compatible step, an adapter below, or a refusal.
//
// The parts: versions.ts (when each schema changed, which steps are compatible), scope.ts (one
// graph's constants, readers, ranks and types), adapters.ts (the steps that change meaning) and
// experimental.ts (pre-release ops rewritten into standard ones).
import { onnx } from '../proto/onnx';
import { OctetError } from '../../../shared/errors';
import { hasAttr, attrInt64s, removeAttr, type GraphProto, type NodeProto } from '../graph';
import { num } from '../tensor';
import { subgraphsOf } from '../scope';
import { COMPATIBLE, IR_FOR_OPSET, MIN_OPSET, SINCE, TARGET_OPSET, isDefaultDomain } from './versions';
import { Scope, type Rewrite, type Upgrade } from './scope';
import { ADAPTERS } from './adapters';
import { EXPERIMENTAL } from './experimental';

export { TARGET_OPSET };

/** Upgrades the default ('' / 'ai.onnx') domain in place to `target` (>= current). Returns what it changed, for the report. Models already >= target are left alone (return []). Opset < 7 → OctetError MODEL_UNSUPPORTED. Ensures ir_version >= 7. */
export function upgradeOpset(model: onnx.ModelProto, target: number = TARGET_OPSET): string[] {
  if (!Number.isInteger(target) || target < MIN_OPSET || target > TARGET_OPSET) {
    throw new OctetError('BAD_USAGE', `Octet upgrades the ONNX opset to a version between ${MIN_OPSET} and ${TARGET_OPSET}, not ${target}`);
  }
  const graph = model.graph;
  if (!graph) throw new OctetError('MODEL_UNREADABLE', 'The model has no graph');
  const imports = model.opsetImport ?? [];
  const entry = imports.find((o) => isDefaultDomain(o.domain));
  const from = entry ? num(entry.version) : 0;
  if (entry && from >= target) return [];
  if (!entry) {
    // No default-domain import: legal only while no node uses that domain.
    if (anyDefaultNode(graph as GraphProto)) throw new OctetError('MODEL_UNSUPPORTED', 'The model uses ONNX operators but declares no ai.onnx opset import');
  } else if (from < MIN_OPSET) {
    throw new OctetError(
      'MODEL_UNSUPPORTED',
      `The model uses ONNX opset ${from}; Octet can upgrade models from opset ${MIN_OPSET} or newer (re-export it with a newer exporter)`,
    );
  }

  const up = new Upgrader(model, entry ? from : target, target);
  try {
    up.upgradeGraph(graph as GraphProto, undefined);
  } catch (e) {
    up.rollback(); // a refused node leaves the model exactly as it came
    throw e;
  }

  const changes: string[] = [];
  if (entry) {
    entry.version = target;
    changes.push(`ONNX opset (ai.onnx) ${from} → ${target}`);
  } else {
    model.opsetImport = [...imports, onnx.OperatorSetIdProto.create({ domain: '', version: target })];
    changes.push(`added the ONNX opset import (ai.onnx ${target})`);
  }
  const ir = num(model.irVersion);
  const needIr = IR_FOR_OPSET[target];
  if (ir < needIr) {
    model.irVersion = needIr;
    changes.push(`IR version ${ir} → ${needIr}`);
    if (ir < 4) {
      // Before IR 4 every initializer had to be a graph input too; from IR 4 on such an input is
      // an overridable default that ONNX Runtime no longer constant-folds. Keep them constants.
      const inits = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
      const inputs = graph.input ?? [];
      const kept = inputs.filter((i) => !inits.has(i.name ?? ''));
      if (kept.length !== inputs.length) {
        graph.input = kept;
        changes.push(`removed ${inputs.length - kept.length} initializer(s) from the graph inputs (required before IR 4, overridable inputs after)`);
      }
    }
  }
  return [...changes, ...up.summary()];
}

function anyDefaultNode(g: GraphProto): boolean {
  return g.node.some((n) => isDefaultDomain(n.domain) || bodies(n).some(anyDefaultNode));
}

/** The bodies of an If/Loop/Scan: decoded (or built) messages, so full GraphProtos. */
const bodies = (n: NodeProto): GraphProto[] => subgraphsOf(n) as GraphProto[];

function label(n: NodeProto): string {
  return n.name ? `'${n.name}'` : `(output '${n.output[0] ?? '?'}')`;
}

class Upgrader implements Upgrade {
  private readonly names = new Set<string>();
  private readonly notes = new Map<string, string[]>();
  /** Undo steps: adapters replace fields and arrays (never mutate them), so saving references suffices. */
  private readonly journal: (() => void)[] = [];

  constructor(
    readonly model: onnx.ModelProto,
    readonly from: number,
    readonly target: number,
  ) {
    const visit = (g: GraphProto): void => {
      for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (v.name) this.names.add(v.name);
      for (const t of g.initializer) if (t.name) this.names.add(t.name);
      for (const n of g.node) {
        for (const s of [...n.input, ...n.output, n.name]) if (s) this.names.add(s);
        bodies(n).forEach(visit);
      }
    };
    visit(model.graph as GraphProto);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  note(n: NodeProto, what: string): void {
    const list = this.notes.get(what);
    const l = n.name || n.output[0] || '?';
    if (list) list.push(l);
    else this.notes.set(what, [l]);
  }

  summary(): string[] {
    return [...this.notes].map(([what, nodes]) => {
      const shown = nodes.slice(0, 4).join(', ') + (nodes.length > 4 ? `, … (+${nodes.length - 4})` : '');
      return `${what}: ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${shown})`;
    });
  }

  reject(n: NodeProto, why: string): never {
    throw new OctetError('MODEL_UNSUPPORTED', `Cannot upgrade ${n.opType} node ${label(n)} from opset ${this.from} to ${this.target}: ${why}`);
  }

  rollback(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) this.journal[i]();
  }

  upgradeGraph(graph: GraphProto, parent: Scope | undefined): void {
    const { node, initializer, valueInfo } = graph;
    this.journal.push(() => Object.assign(graph, { node, initializer, valueInfo }));
    const scope = new Scope(this, graph, parent);
    const out: NodeProto[] = [];
    for (const node of graph.node) {
      if (!isDefaultDomain(node.domain)) {
        for (const g of bodies(node)) this.upgradeGraph(g, scope);
        out.push(node);
        continue;
      }
      const r = this.upgradeNode(node, scope);
      out.push(...r);
      for (const n of r) for (const g of bodies(n)) this.upgradeGraph(g, scope);
    }
    graph.node = out;
    scope.flush();
  }

  /** Runs every schema step of one node; returns the nodes that replace it, in order. */
  private upgradeNode(node: NodeProto, scope: Scope): NodeProto[] {
    const { opType, input, output, attribute } = node;
    this.journal.push(() => Object.assign(node, { opType, input, output, attribute }));
    const rw: Rewrite = { before: [], after: [] };
    this.dropLegacyAttributes(node, scope);
    const op0 = node.opType;
    let versions = SINCE.get(op0) ?? [];
    let cur = this.from;
    if (!versions.length || versions[0] > this.from) {
      const exp = EXPERIMENTAL[op0];
      if (exp) {
        const next = exp(node, scope, rw);
        if (next === null) return [...rw.before, ...rw.after];
        cur = next;
      } else if (!versions.length) {
        this.reject(node, `'${op0}' is not an ONNX operator up to opset ${TARGET_OPSET} (a custom op must use its own domain)`);
      } else {
        cur = versions[0]; // an op newer than the model's opset (e.g. DequantizeLinear in an opset-9 model): read it at its first schema
      }
      versions = SINCE.get(node.opType) ?? [];
    }
    for (;;) {
      const first = versions[0];
      const step = versions.find((v) => v > cur && v <= this.target && v !== first);
      if (step === undefined) break;
      const key = `${node.opType}@${step}`;
      const adapter = ADAPTERS[key];
      if (adapter) adapter(node, scope, rw);
      else if (!COMPATIBLE.has(key)) this.reject(node, `its schema changed at opset ${step} in a way Octet cannot adapt`);
      cur = step;
      versions = SINCE.get(node.opType) ?? [];
    }
    return [...rw.before, node, ...rw.after];
  }

  /** Attributes removed from schemas before opset 7 that old exporters still wrote. */
  private dropLegacyAttributes(node: NodeProto, scope: Scope): void {
    const op = node.opType;
    if (hasAttr(node, 'consumed_inputs')) {
      removeAttr(node, 'consumed_inputs');
      this.note(node, `${op}: dropped the legacy 'consumed_inputs' attribute`);
    }
    if ((op === 'BatchNormalization' || op === 'Dropout') && hasAttr(node, 'is_test')) {
      removeAttr(node, 'is_test');
      this.note(node, `${op}: dropped the legacy 'is_test' attribute (removed at opset 7)`);
    }
    if (op === 'Reshape' && hasAttr(node, 'shape') && node.input.length < 2) {
      const shape = attrInt64s(node, 'shape') ?? [];
      node.input = [node.input[0], scope.int64Const(node, 'shape', shape)];
      removeAttr(node, 'shape');
      this.note(node, "Reshape: 'shape' attribute (opset < 5) → input");
    }
  }
}
