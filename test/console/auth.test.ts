import type { IncomingMessage } from 'node:http';
import { isLoopbackHost, mayAct, mayRead, presentedToken } from '../../src/console/auth';

const req = (headers: Record<string, string> = {}) =>
  ({ headers: { host: 'console.example:8090', ...headers } }) as unknown as IncomingMessage;

describe('console access rules', () => {
  it('knows loopback interfaces from the others', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'console.example']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('lets anyone act on a loopback-only console, and nobody without the right token otherwise', () => {
    expect(mayAct({ loopbackOnly: true }, undefined, req())).toEqual({ ok: true });
    expect(mayAct({ loopbackOnly: false }, 'anything', req())).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringMatching(/WARMER_CONSOLE_TOKEN/),
    });
    expect(mayAct({ loopbackOnly: false, token: 's3cret' }, undefined, req())).toMatchObject({ ok: false, status: 403 });
    expect(mayAct({ loopbackOnly: false, token: 's3cret' }, 's3cre', req())).toMatchObject({ ok: false, status: 403 });
    expect(mayAct({ loopbackOnly: false, token: 's3cret' }, 's3cret', req())).toEqual({ ok: true });
  });

  it('refuses an action posted from another origin, even on loopback', () => {
    expect(mayAct({ loopbackOnly: true }, undefined, req({ origin: 'http://evil.example' }))).toMatchObject({ ok: false, status: 403 });
    expect(mayAct({ loopbackOnly: true }, undefined, req({ origin: 'http://console.example:8090' }))).toEqual({ ok: true });
  });

  it('asks for the token to read only when one is configured on a public interface', () => {
    expect(mayRead({ loopbackOnly: false }, undefined)).toEqual({ ok: true });
    expect(mayRead({ loopbackOnly: true, token: 't' }, undefined)).toEqual({ ok: true });
    expect(mayRead({ loopbackOnly: false, token: 't' }, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(mayRead({ loopbackOnly: false, token: 't' }, 't')).toEqual({ ok: true });
  });

  it('takes the token from a bearer header, x-warmer-token, the address or the cookie', () => {
    const url = new URL('http://c/');
    expect(presentedToken(req({ authorization: 'Bearer abc' }), url)).toBe('abc');
    expect(presentedToken(req({ 'x-warmer-token': 'def' }), url)).toBe('def');
    expect(presentedToken(req(), new URL('http://c/?token=ghi'))).toBe('ghi');
    expect(presentedToken(req({ cookie: 'a=1; warmer_console_token=jk%6C' }), url)).toBe('jkl');
    expect(presentedToken(req(), url)).toBeUndefined();
  });
});
