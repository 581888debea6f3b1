// The Data step: where the samples come from, how they are fed (each input and its array),
// preprocessing and sample counts, and a live preview.
import { dataSpec, preprocessFor, useWizard } from '../store/wizard';
import { NeedsModel, StepNav } from './common';
import { InputsTable } from './data/InputsTable';
import { PreprocessCard } from './data/Preprocessing';
import { PreviewCard } from './data/PreviewCard';
import { SourceCard } from './data/SourceCard';
import { useDataPreview } from './data/useDataPreview';

export function DataStep() {
  const { model, modelPath, data, errors } = useWizard();
  const spec = dataSpec(data);
  // Pictures for image inputs; arrays for a multi-input model are described as numbers only.
  const pictures = data.kind !== 'npy' || (model?.inputs.length ?? 0) <= 1;
  const { preview, desc, loading } = useDataPreview(modelPath, spec, preprocessFor(data), data.kind, pictures);

  if (!model) return <NeedsModel />;
  const showInputs = !!desc && (desc.inputs.length > 1 || data.kind === 'npy');

  return (
    <div className="step-body">
      <SourceCard />
      {desc && showInputs && (
        <section className="card" data-testid="data-inputs-card">
          <h3>Inputs and the arrays that feed them</h3>
          <InputsTable desc={desc} declared={model.inputs} />
        </section>
      )}
      <div className="grid two-three">
        <PreprocessCard />
        <PreviewCard preview={preview} desc={desc} loading={loading} showInputs={showInputs} spec={spec} error={errors.data} />
      </div>
      <StepNav step="data" nextDisabled={!spec} />
    </div>
  );
}
