import type { ReactNode } from 'react';
import { ERROR_CODES, type ErrorInfo } from '../../shared/errors';

/** A readable error: what kind of problem (from the code), the message, and the code itself. */
export function ErrorPanel({ error, onDismiss, action }: { error?: ErrorInfo; onDismiss?: () => void; action?: ReactNode }) {
  if (!error) return null;
  const title = ERROR_CODES[error.code] ?? 'something went wrong';
  const same = error.message.replace(/\.$/, '').toLowerCase() === title.toLowerCase();
  // A cancel is the user's own doing: say so plainly, not as an alarm.
  const tone = error.code === 'CANCELLED' ? ' info' : '';
  return (
    <div className={`error-panel${tone}`} role={tone ? 'status' : 'alert'} data-testid="error-panel">
      <div className="error-head">
        <span className="error-title">{title[0].toUpperCase() + title.slice(1)}</span>
        <code className="error-code" data-testid="error-code">
          {error.code}
        </code>
      </div>
      {!same && <p className="error-message">{error.message}</p>}
      {(onDismiss || action) && (
        <div className="row gap">
          {action}
          {onDismiss && (
            <button type="button" className="btn ghost small" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
    </div>
  );
}
