import { API_HINTS, HelmrError } from "@helmr/core";

/** The error with the hint for its code added to its message (`<message>; <hint>`). */
export function withHint(error: HelmrError): HelmrError {
  const hint = API_HINTS[error.code];
  if (!hint || error.message.endsWith(hint)) return error;
  return new HelmrError(error.kind, error.code, `${error.message}; ${hint}`, error.issues, { cause: error.cause });
}
