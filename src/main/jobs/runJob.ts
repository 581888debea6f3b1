import { loadModel } from '../onnx/model';
import { summarize } from '../onnx/inspect';
import { quantizeModel, type JobContext } from '../quant/quantize';
import { compareModels } from '../bench/compare';
import { tuneModel } from '../quant/tune';
import { layerDetail } from '../quant/tune/layerDetail';
import { computeModelFacts } from '../onnx/facts';
import type { JobKind, JobParams, JobResult, JobSpecOf } from '../../shared/jobs';

/**
 * What runs each job kind inside the worker process. Typed by the one table of job kinds
 * (JobTypes in shared/jobs.ts): a new kind is an entry there and a runner here, and the compiler
 * checks that its params and result agree.
 */
const RUNNERS: { [K in JobKind]: (params: JobParams<K>, ctx: JobContext) => Promise<JobResult<K>> } = {
  quantize: (p, ctx) => quantizeModel(p, ctx),
  inspect: async (p) => summarize(await loadModel(p.model)),
  bench: (p, ctx) => compareModels(p, ctx),
  tune: (p, ctx) => tuneModel(p, ctx),
  layer: (p) => layerDetail(p),
  facts: (p) => computeModelFacts(p),
};

/** Runs one job inside the worker process. */
export function runJob<K extends JobKind>(spec: JobSpecOf<K>, ctx: JobContext): Promise<JobResult<K>> {
  const run: (params: JobParams<K>, ctx: JobContext) => Promise<JobResult<K>> = RUNNERS[spec.kind];
  return run(spec.params, ctx);
}
