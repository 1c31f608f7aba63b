import type { IncomingMessage } from 'node:http';
import { isLoopbackHost, mayAct, mayRead, presentedToken } from '../../src/console/auth';
import { hostChecker, refreshSeconds, sessionGuard, withCsrfFields } from '../../src/console/guard';

const req = (headers: Record<string, string> = {}) =>
  ({ headers: { host: 'console.example:8090', ...headers } }) as unknown as IncomingMessage;
const ownOrigin = (host: string) => host === 'console.example:8090';

describe('console access rules', () => {
  it('knows loopback interfaces from the others', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'console.example']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('lets a loopback-only console without a token act, needs the token wherever one is set', () => {
    expect(mayAct({ loopbackOnly: true }, undefined, req(), ownOrigin)).toEqual({ ok: true });
    expect(mayAct({ loopbackOnly: false }, 'anything', req(), ownOrigin)).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringMatching(/WARMER_CONSOLE_TOKEN/),
    });
    for (const loopbackOnly of [true, false]) {
      expect(mayAct({ loopbackOnly, token: 's3cret' }, undefined, req(), ownOrigin)).toMatchObject({ ok: false, status: 403 });
      expect(mayAct({ loopbackOnly, token: 's3cret' }, 's3cre', req(), ownOrigin)).toMatchObject({ ok: false, status: 403 });
      expect(mayAct({ loopbackOnly, token: 's3cret' }, 's3cret', req(), ownOrigin)).toEqual({ ok: true });
    }
  });

  it('refuses an action from another origin or an opaque one (null), even on loopback', () => {
    for (const origin of ['http://evil.example', 'null', 'http://console.example:8091', 'not a url']) {
      expect(mayAct({ loopbackOnly: true }, undefined, req({ origin }), ownOrigin)).toMatchObject({ ok: false, status: 403 });
    }
    expect(mayAct({ loopbackOnly: true }, undefined, req({ origin: 'http://console.example:8090' }), ownOrigin)).toEqual({ ok: true });
  });

  it('asks for the token to read wherever one is configured, loopback included', () => {
    expect(mayRead({ loopbackOnly: false }, undefined)).toEqual({ ok: true });
    expect(mayRead({ loopbackOnly: true }, undefined)).toEqual({ ok: true });
    expect(mayRead({ loopbackOnly: true, token: 't' }, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(mayRead({ loopbackOnly: false, token: 't' }, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(mayRead({ loopbackOnly: false, token: 't' }, 't')).toEqual({ ok: true });
  });

  it('answers only to its own Host names: loopback ones on its port, its interface, and WARMER_CONSOLE_HOSTS', () => {
    const allowed = hostChecker({ port: 8090, bindHost: '0.0.0.0', extra: ['console.example.com', 'ops.example:8443'] });
    for (const host of [
      '127.0.0.1:8090',
      'localhost:8090',
      '[::1]:8090',
      'console.example.com',
      'console.example.com:443',
      'ops.example:8443',
    ])
      expect([host, allowed(host)]).toEqual([host, true]);
    for (const host of [
      undefined,
      '',
      '127.0.0.1:8091',
      'localhost',
      'rebind.attacker.example:8090',
      'ops.example',
      'a@127.0.0.1:8090',
      '127.0.0.1:8090/x',
    ])
      expect([host, allowed(host)]).toEqual([host, false]);
    expect(hostChecker({ port: 9000, bindHost: '192.168.1.5' })('192.168.1.5:9000')).toBe(true);
  });

  it('binds the CSRF token to the session cookie under a key only this console knows', () => {
    const guard = sessionGuard(8090);
    const other = sessionGuard(8090);
    const session = guard.newSession();
    const withCookie = req({ cookie: `${guard.cookie}=${session}` });
    const token = guard.tokenFor(session);
    expect(guard.verify(withCookie, token)).toBe(true);
    expect(guard.verify(withCookie, other.tokenFor(session))).toBe(false);
    expect(guard.verify(withCookie, undefined)).toBe(false);
    expect(guard.verify(req(), token)).toBe(false);
    expect(guard.verify(req({ cookie: `${guard.cookie}=${guard.newSession()}` }), token)).toBe(false);
    expect(withCsrfFields('<form method="post" action="/x" id="f"><button>', 'T')).toBe(
      '<form method="post" action="/x" id="f"><input type="hidden" name="csrf" value="T"><button>',
    );
  });

  it('bounds ?refresh=: 0 never, 5 to 3600 seconds, anything else the default', () => {
    expect([null, '', '0', '5', '3600', '0.001', '4', '3601', '-10', 'abc', '1e9', '12.5'].map((r) => refreshSeconds(r))).toEqual([
      30, 30, 0, 5, 3600, 30, 30, 30, 30, 30, 30, 30,
    ]);
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
