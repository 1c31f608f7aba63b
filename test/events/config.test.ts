import { describeConfig, loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';

const refused = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('events and API configuration', () => {
  it('takes several receivers, comma-separated, with the secret', () => {
    const config = loadConfig({
      WARMER_EVENTS_URL: 'https://crm.example/hooks/warmer, http://203.0.113.9:9000/e',
      WARMER_EVENTS_SECRET: 's'.repeat(16),
      WARMER_API_TOKEN: 't'.repeat(16),
    });
    expect(config.events).toEqual({
      urls: ['https://crm.example/hooks/warmer', 'http://203.0.113.9:9000/e'],
      secret: 's'.repeat(16),
      allowPrivate: false,
    });
    expect(config.console.apiToken).toBe('t'.repeat(16));
    expect(describeConfig(config).events).toBe('2 receiver(s), signed');
    expect(JSON.stringify(describeConfig(config))).not.toContain('crm.example');
  });

  it('is off by default', () => {
    const config = loadConfig({});
    expect(config.events.urls).toEqual([]);
    expect(config.events.allowPrivate).toBe(false);
    expect(config.console.apiToken).toBeUndefined();
  });

  it('refuses receivers without a secret, a bad URL without echoing it, and a short API token', () => {
    expect(refused({ WARMER_EVENTS_URL: 'https://crm.example/h' })).toMatch(/WARMER_EVENTS_SECRET must be set/);
    const bad = refused({ WARMER_EVENTS_URL: 'https://ok.example/h,ftp://secret-token@x', WARMER_EVENTS_SECRET: 's'.repeat(16) });
    expect(bad).toMatch(/receiver 2 is not a valid http\(s\) URL/);
    expect(bad).not.toContain('secret-token');
    expect(refused({ WARMER_API_TOKEN: 'short' })).toMatch(/WARMER_API_TOKEN must be 16 characters/);
  });

  it('refuses a receiver with credentials in its URL, without printing them', () => {
    const message = refused({ WARMER_EVENTS_URL: 'https://crm:hunter2-password@crm.example/h', WARMER_EVENTS_SECRET: 's'.repeat(16) });
    expect(message).toMatch(/WARMER_EVENTS_URL: receiver 1 must not carry a user or password/);
    expect(message).not.toContain('hunter2');
  });

  it.each([
    'http://127.0.0.1:9000/e',
    'http://10.1.2.3/e',
    'http://169.254.169.254/latest',
    'http://[::1]:8090/x',
    'http://[::ffff:127.0.0.1]/x',
  ])('refuses the address literal %s unless WARMER_EVENTS_ALLOW_PRIVATE=1', (url) => {
    const env = { WARMER_EVENTS_URL: url, WARMER_EVENTS_SECRET: 's'.repeat(16) };
    expect(refused(env)).toMatch(/receiver 1 is a loopback, private or link-local address: set WARMER_EVENTS_ALLOW_PRIVATE=1/);
    expect(loadConfig({ ...env, WARMER_EVENTS_ALLOW_PRIVATE: '1' }).events).toMatchObject({ urls: [url], allowPrivate: true });
  });
});
