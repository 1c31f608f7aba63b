/**
 * What may be printed of a text or a URL: phone-like digit runs masked (see scrubPhones) and the
 * credentials a URL may carry (`https://user:password@host`) replaced, so a log line, an error message
 * or a configuration error never shows them.
 */
import { scrubPhones } from './phone';

/** `scheme://user:password@` or `scheme://token@`, up to the first character a userinfo cannot hold. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** Whether a URL names a user or a password. */
export function hasUrlCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  }
}

/** Scheme, host and port only: a URL's path and query may hold a token, its userinfo a password. */
export function urlOrigin(url: string): string {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? 'invalid URL' : origin;
  } catch {
    return 'invalid URL';
  }
}

/** Free text (a log line's strings, an error kept in clear) with phones and URL credentials removed. */
export function scrubText(text: string): string {
  return scrubPhones(redactUrlCredentials(text));
}
