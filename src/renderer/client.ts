// The renderer's one way to call the API: typed by src/shared/api.ts, errors thrown as ApiError
// carrying the stable code and the user-facing message.
import type { ApiMethod, ApiParams, ApiResult } from '../shared/api';
import type { ErrorCode, ErrorInfo } from '../shared/errors';
import { createTransport, type Transport } from './transport';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
  get info(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export const transport: Transport = createTransport();

export async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const reply = await transport.call(method, params);
  if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message);
  return reply.result;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof ApiError) return e.info;
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
