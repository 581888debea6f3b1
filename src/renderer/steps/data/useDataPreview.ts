import { useEffect, useState } from 'react';
import type { DataDescription, DataPreview } from '../../../shared/api';
import type { PreprocessConfig } from '../../../shared/recipe';
import { call, errorInfo } from '../../client';
import { useWizard, type DataKind } from '../../store/wizard';

/**
 * The description of the chosen data (every input and its array) and, when `pictures`, a few
 * samples drawn as images; fetched 300 ms after the model, data or preprocessing last changed.
 * A failure goes to the Data step's error panel.
 */
export function useDataPreview(modelPath: string, spec: string, pre: PreprocessConfig | undefined, kind: DataKind, pictures: boolean) {
  const setError = useWizard((s) => s.setError);
  const [preview, setPreview] = useState<DataPreview>();
  const [desc, setDesc] = useState<DataDescription>();
  const [loading, setLoading] = useState(false);
  const preKey = JSON.stringify(pre ?? null);

  useEffect(() => {
    if (!modelPath || !spec) {
      setPreview(undefined);
      setDesc(undefined);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      setLoading(true);
      const described = call('describeData', { model: modelPath, data: spec, preprocess: pre });
      // For NumPy data a failed picture is not an error: ids and masks are not images.
      const drawn = pictures
        ? call('previewData', { model: modelPath, data: spec, preprocess: pre, count: 12 }).catch((e) => {
            if (kind === 'npy') return undefined;
            throw e;
          })
        : Promise.resolve(undefined);
      Promise.all([described, drawn])
        .then(([d, p]) => {
          if (!live) return;
          setDesc(d);
          setPreview(p);
          setError('data', undefined);
        })
        .catch((e) => {
          if (!live) return;
          setDesc(undefined);
          setPreview(undefined);
          setError('data', errorInfo(e));
        })
        .finally(() => live && setLoading(false));
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // preKey stands for pre's contents, so an equal object does not refetch.
  }, [modelPath, spec, preKey, setError, pictures, kind]);

  return { preview, desc, loading };
}
