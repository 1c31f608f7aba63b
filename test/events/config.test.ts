import { describeConfig, loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';

describe('events and API configuration', () => {
  it('takes several receivers, comma-separated, with the secret', () => {
    const config = loadConfig({
      WARMER_EVENTS_URL: 'https://crm.example/hooks/warmer, http://127.0.0.1:9000/e',
      WARMER_EVENTS_SECRET: 's'.repeat(16),
      WARMER_API_TOKEN: 't'.repeat(16),
    });
    expect(config.events).toEqual({ urls: ['https://crm.example/hooks/warmer', 'http://127.0.0.1:9000/e'], secret: 's'.repeat(16) });
    expect(config.console.apiToken).toBe('t'.repeat(16));
    expect(describeConfig(config).events).toBe('2 receiver(s), signed');
    expect(JSON.stringify(describeConfig(config))).not.toContain('crm.example');
  });

  it('is off by default', () => {
    const config = loadConfig({});
    expect(config.events.urls).toEqual([]);
    expect(config.console.apiToken).toBeUndefined();
  });

  it('refuses receivers without a secret, a bad URL without echoing it, and a short API token', () => {
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ WARMER_EVENTS_URL: 'https://crm.example/h' })).toMatch(/WARMER_EVENTS_SECRET must be set/);
    const bad = refused({ WARMER_EVENTS_URL: 'https://ok.example/h,ftp://secret-token@x', WARMER_EVENTS_SECRET: 's'.repeat(16) });
    expect(bad).toMatch(/receiver 2 is not a valid http\(s\) URL/);
    expect(bad).not.toContain('secret-token');
    expect(refused({ WARMER_API_TOKEN: 'short' })).toMatch(/WARMER_API_TOKEN must be 16 characters/);
  });
});
