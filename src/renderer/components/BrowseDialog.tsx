import { useEffect, useRef, useState } from 'react';
import type { BrowseEntry } from '../../shared/api';
import type { ErrorInfo } from '../../shared/errors';
import { call, errorInfo } from '../client';
import { bytes } from '../format';
import { ErrorPanel } from './ErrorPanel';

/** Drawn, not emoji: not every machine has an emoji font. */
function Icon({ kind }: { kind: 'dir' | 'file' | 'up' }) {
  const d =
    kind === 'dir'
      ? 'M1.5 3.5h4l1.5 1.5h7.5v8h-13z'
      : kind === 'file'
        ? 'M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3'
        : 'M6 3.5l-3.5 3.5 3.5 3.5 M2.5 7h7.5a3.5 3.5 0 0 1 3.5 3.5v3';
  return (
    <svg className={`icon icon-${kind}`} width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d={d} fill={kind === 'dir' ? '#dfe6fd' : 'none'} stroke={kind === 'dir' ? '#4f6bed' : '#687187'} strokeWidth="1.2" strokeLinejoin="round" />
    </svg>
  );
}

/** Browser mode's file picker: lists folders on the server, inside the allowed roots only. */
export function BrowseDialog({
  title,
  pick,
  extensions,
  start,
  onPick,
  onClose,
}: {
  title: string;
  pick: 'file' | 'dir';
  extensions?: string[];
  start?: string;
  onPick: (path: string) => void;
  onClose: () => void;
}) {
  const [dir, setDir] = useState<string | undefined>(start || undefined);
  const [listing, setListing] = useState<{ dir?: string; parent?: string; entries: BrowseEntry[] }>();
  const [error, setError] = useState<ErrorInfo>();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    call('browse', dir ? { dir } : {})
      .then((l) => live && (setListing(l), setError(undefined)))
      .catch((e) => {
        if (!live) return;
        setError(errorInfo(e));
        if (dir) setDir(undefined); // fall back to the roots
      });
    return () => {
      live = false;
    };
  }, [dir]);

  useEffect(() => {
    box.current?.querySelector<HTMLElement>('button, [tabindex]')?.focus();
  }, [listing]);

  const fits = (e: BrowseEntry) => e.kind === 'dir' || (pick === 'file' && (!extensions || extensions.some((x) => e.name.toLowerCase().endsWith(x))));
  return (
    <div className="overlay" onKeyDown={(e) => e.key === 'Escape' && onClose()} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={box}>
        <div className="dialog-head">
          <h3>{title}</h3>
          <button type="button" className="btn ghost small" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="browse-path" title={listing?.dir}>
          {listing?.dir ?? 'Allowed folders'}
        </div>
        <ErrorPanel error={error} />
        <ul className="browse-list" data-testid="browse-list">
          {listing?.dir && (
            <li>
              <button type="button" className="browse-item" onClick={() => setDir(listing.parent)}>
                <Icon kind="up" /> {listing.parent ? '..' : 'Allowed folders'}
              </button>
            </li>
          )}
          {listing?.entries.filter(fits).map((e) => (
            <li key={e.path}>
              <button type="button" className="browse-item" onClick={() => (e.kind === 'dir' ? setDir(e.path) : onPick(e.path))}>
                <Icon kind={e.kind} />
                <span className="grow ellipsis">{e.name}</span>
                {e.size !== undefined && <span className="muted">{bytes(e.size)}</span>}
              </button>
            </li>
          ))}
          {listing && listing.entries.filter(fits).length === 0 && <li className="muted pad">Nothing to choose here</li>}
        </ul>
        <div className="dialog-foot">
          {pick === 'dir' && listing?.dir && (
            <button type="button" className="btn primary" onClick={() => onPick(listing.dir!)}>
              Choose this folder
            </button>
          )}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
