import { useState } from 'react';
import type { ApiParams } from '../../shared/api';
import { call, errorInfo } from '../client';
import { useWizard } from '../store/wizard';
import { BrowseDialog } from './BrowseDialog';
import type { ErrorInfo } from '../../shared/errors';

type Purpose = ApiParams<'pickPath'>['purpose'];

/**
 * A path the main side will read or write. Electron: a native dialog. Browser mode: the user types a
 * path on the server (or browses the allowed folders).
 */
export function PathField({
  id,
  label,
  value,
  onChange,
  onSubmit,
  purpose,
  placeholder,
  submitLabel,
  onError,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  onSubmit?: (v: string) => void;
  purpose: Purpose;
  placeholder?: string;
  submitLabel?: string;
  onError?: (e: ErrorInfo) => void;
}) {
  const caps = useWizard((s) => s.caps);
  const [browsing, setBrowsing] = useState(false);
  const dialogs = !!caps?.dialogs;
  const pick = purpose === 'dataFolder' || purpose === 'exportFolder' ? 'dir' : 'file';
  const extensions = purpose === 'model' ? ['.onnx'] : purpose === 'dataNpy' ? ['.npy'] : purpose === 'labelsCsv' ? ['.csv', '.txt'] : undefined;
  const choose = async () => {
    if (!dialogs) return setBrowsing(true);
    try {
      const { path } = await call('pickPath', { purpose });
      if (path) {
        onChange(path);
        onSubmit?.(path);
      }
    } catch (e) {
      onError?.(errorInfo(e));
    }
  };
  return (
    <div className="path-field">
      <label htmlFor={id}>{label}</label>
      <div className="row gap">
        <input
          id={id}
          className="grow mono"
          value={value}
          placeholder={placeholder ?? (dialogs ? 'Choose…' : 'Type a path on the server')}
          readOnly={dialogs}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && onSubmit && value.trim() && onSubmit(value.trim())}
        />
        <button type="button" className="btn" onClick={() => void choose()}>
          {dialogs ? 'Choose…' : 'Browse…'}
        </button>
        {onSubmit && !dialogs && (
          <button type="button" className="btn primary" disabled={!value.trim()} onClick={() => onSubmit(value.trim())}>
            {submitLabel ?? 'Open'}
          </button>
        )}
      </div>
      {browsing && (
        <BrowseDialog
          title={label}
          pick={pick}
          extensions={extensions}
          start={value ? (pick === 'dir' ? value : value.replace(/[\\/][^\\/]*$/, '')) : undefined}
          onClose={() => setBrowsing(false)}
          onPick={(p) => {
            setBrowsing(false);
            onChange(p);
            onSubmit?.(p);
          }}
        />
      )}
    </div>
  );
}
