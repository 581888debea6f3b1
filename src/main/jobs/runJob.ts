import { loadModel } from '../onnx/model';
import { summarize } from '../onnx/inspect';
import { quantizeModel, type JobContext } from '../quant/quantize';
import { compareModels } from '../bench/compare';
import { tuneModel } from '../quant/tune';
import { layerDetail } from '../quant/tune/layerDetail';
import { computeModelFacts } from '../onnx/facts';
import type { JobSpec } from '../../shared/jobs';

/** Runs one job inside the worker process. The one table of job kinds lives in shared/jobs.ts. */
export async function runJob(spec: JobSpec, ctx: JobContext): Promise<unknown> {
  switch (spec.kind) {
    case 'quantize':
      return quantizeModel(spec.params, ctx);
    case 'inspect':
      return summarize(await loadModel(spec.params.model));
    case 'bench':
      return compareModels(spec.params, ctx);
    case 'tune':
      return tuneModel(spec.params, ctx);
    case 'layer':
      return layerDetail(spec.params);
    case 'facts':
      return computeModelFacts(spec.params);
  }
}
