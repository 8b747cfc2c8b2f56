import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

/**
 * A header name or value that would split the request (CR or LF), or a name that is not an
 * HTTP token. The value is never part of the message: it may be a key.
 * @publicApi
 */
export class HeaderInjectionError extends ResilienceError {
  /** Brand read by {@link isHeaderInjectionError}. */
  readonly isHeaderInjectionError = true as const;
  /** The header's name, escaped (CR/LF shown as `\r` / `\n`) and cut to 64 characters. */
  readonly header: string;
  /** What is wrong: the name, or the value. */
  readonly part: 'name' | 'value';
  /** Where the header was configured, when known: `client 'payments' (clients.payments.headers)`. */
  readonly where?: string;

  constructor(header: string, part: 'name' | 'value', where?: string) {
    const safe = escapeName(header);
    const of = where !== undefined ? ` of ${where}` : '';
    super(
      part === 'name'
        ? `Invalid HTTP header name ${safe}${of}: it must be a token without CR, LF or spaces`
        : `Invalid value for HTTP header ${safe}${of}: it contains CR, LF or NUL (value not shown)`,
    );
    this.header = safe;
    this.part = part;
    if (where !== undefined) this.where = where;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      header: this.header,
      part: this.part,
      ...(this.where !== undefined ? { where: this.where } : {}),
    };
  }
}

function escapeName(name: string): string {
  const s = JSON.stringify(String(name));
  return s.length > 66 ? `${s.slice(0, 64)}…"` : s;
}

/** True for a {@link HeaderInjectionError} from any copy of the package. @publicApi */
export function isHeaderInjectionError(error: unknown): error is HeaderInjectionError {
  return hasErrorBrand(error, 'isHeaderInjectionError');
}
