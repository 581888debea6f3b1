// What a model's feed inputs need from the data: their declared dims after --shape (symbolic dims
// left for the data to fix), and the integer inputs that index a table (token ids → embedding).
import { GraphView, valueDims, valueElemType } from '../onnx/graph';
import { dimsOf } from '../onnx/graph';
import { elemTypeName } from '../onnx/tensor';
import type { ModelProto } from '../onnx/model';
import { OctetError } from '../../shared/errors';
import { formatDims } from './checks';
import type { ElemType, IdLimit, InputSpec, ModelInput } from './types';

const ELEM_TYPES = new Set<string>(['float32', 'float16', 'float64', 'int64', 'int32', 'int8', 'uint8', 'bool']);

/**
 * The model's feed inputs with --shape applied. A dim neither the model nor --shape fixes stays
 * null, to be fixed by the data (openDataSource); `dimNames` keeps the symbolic names.
 */
export function modelInputs(model: ModelProto, shapes: Record<string, number[]> = {}): ModelInput[] {
  const g = new GraphView(model.graph!);
  const feeds = g.feedInputs;
  for (const name of Object.keys(shapes)) {
    if (!feeds.some((f) => f.name === name))
      throw new OctetError('BAD_USAGE', `--shape names '${name}', which is not a model input (inputs: ${feeds.map((f) => f.name).join(', ')})`);
  }
  return feeds.map((v) => {
    const type = elemTypeName(valueElemType(v));
    if (!ELEM_TYPES.has(type)) throw new OctetError('MODEL_UNSUPPORTED', `Input '${v.name}' has element type ${type}, which Octet cannot feed`);
    const declared = valueDims(v);
    const dimNames = v.type?.tensorType?.shape?.dim.map((d) => (d.dimParam ? d.dimParam : undefined));
    const given = Object.hasOwn(shapes, v.name) ? shapes[v.name] : undefined; // not Object's `constructor`
    if (given) {
      if (declared && declared.length !== given.length)
        throw new OctetError('SHAPE_MISMATCH', `--shape ${v.name} has ${given.length} dims, the model input has ${declared.length}`);
      declared?.forEach((d, i) => {
        if (d !== null && d !== given[i]) throw new OctetError('SHAPE_MISMATCH', `--shape ${v.name}: dim ${i} is ${given[i]} but the model fixes it at ${d}`);
      });
      return { name: v.name, type: type as ElemType, dims: given.slice(), dimNames };
    }
    if (!declared) throw new OctetError('DYNAMIC_SHAPE', `Input '${v.name}' has no declared shape; pass --shape ${v.name}=d0,d1,...`);
    return { name: v.name, type: type as ElemType, dims: declared.map((d) => (d === null || d <= 0 ? null : d)), dimNames };
  });
}

/**
 * Static dims for sources that cannot fix dims from their data (images, built-in digits): a
 * symbolic batch dim becomes 1; any other open dim needs --shape.
 */
export function staticInput(input: ModelInput): InputSpec {
  const dims = input.dims.map((d, i) => (d === null && i === 0 ? 1 : d));
  const open = dims.findIndex((d) => d === null);
  if (open >= 0) {
    const shown = formatDims(input.dims.map((d, i) => d ?? input.dimNames?.[i] ?? '?'));
    throw new OctetError(
      'DYNAMIC_SHAPE',
      `Input '${input.name}' has a dynamic dim ${open} (${shown}); pass --shape ${input.name}=${dims.map((d) => d ?? 'N').join(',')}`,
    );
  }
  return { name: input.name, type: input.type, dims: dims as number[] };
}

/** The old single answer for callers that need every input static: a symbolic batch dim → 1, others need --shape. */
export function staticInputs(model: ModelProto, shapes: Record<string, number[]> = {}): InputSpec[] {
  return modelInputs(model, shapes).map(staticInput);
}

const PASS_THROUGH = new Set(['Cast', 'Identity', 'Unsqueeze', 'Squeeze', 'Reshape', 'Flatten']);

/**
 * Integer inputs that a Gather uses as indices into a constant table (an embedding): their values
 * must be row numbers of that table. Follows Cast/Reshape-like ops between the input and the Gather.
 */
export function embeddingLimits(model: ModelProto): Record<string, IdLimit> {
  const graph = model.graph!;
  const g = new GraphView(graph);
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const out: Record<string, IdLimit> = {};
  for (const v of g.feedInputs) {
    const type = elemTypeName(valueElemType(v));
    if (!['int64', 'int32', 'int8', 'uint8'].includes(type)) continue;
    const seen = new Set<string>();
    const queue = [v.name];
    let best: IdLimit | undefined;
    while (queue.length) {
      const name = queue.shift()!;
      if (seen.has(name) || seen.size > 64) continue;
      seen.add(name);
      for (const n of g.consumers.get(name) ?? []) {
        if (n.opType === 'Gather' && n.input[1] === name && inits.has(n.input[0])) {
          const axis = n.attribute.find((a) => a.name === 'axis');
          if (axis && Number(axis.i ?? 0) !== 0) continue;
          const rows = Number(dimsOf(inits.get(n.input[0])!)[0]);
          if (Number.isSafeInteger(rows) && rows > 0 && (!best || rows < best.rows)) best = { rows, table: n.input[0] };
        } else if (PASS_THROUGH.has(n.opType) && n.input[0] === name) {
          queue.push(...n.output);
        }
      }
    }
    if (best) out[v.name] = best;
  }
  return out;
}
