/** Text for thrown values in log lines. */

/**
 * Text for a thrown value of any kind, at most 300 characters, never throwing itself (a value may have a
 * hostile toString). The returned string is the caller's.
 */
export function errorText(err: unknown): string {
  try {
    return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);
  } catch {
    return 'a value that cannot be shown';
  }
}
