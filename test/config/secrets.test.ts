/**
 * Every secret has the same minimum length, and a configuration error names the variable without
 * printing the value; URLs with credentials are refused where a credential has no business.
 */
import { loadConfig, MIN_SECRET_LENGTH } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';

const problemsOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  return '';
};

/** One short value per secret, each unlike any other text in the message. */
const SHORT: Record<string, string> = {
  WEBHOOK_SECRET: 'wh-sec-short1',
  WARMER_CONSOLE_TOKEN: 'console-short2',
  WARMER_API_TOKEN: 'api-tok-short3',
  WARMER_CODEC_TOKEN: 'codec-short4',
  WARMER_EVENTS_SECRET: 'events-short5',
};

test('the minimum is 16 characters, for every secret', () => {
  expect(MIN_SECRET_LENGTH).toBe(16);
});

test.each(Object.keys(SHORT))('a short %s is refused, named, and not echoed', (name) => {
  const env: NodeJS.ProcessEnv = { [name]: SHORT[name] };
  if (name === 'WARMER_CODEC_TOKEN')
    Object.assign(env, { WARMER_CODEC_PORT: '8083', WARMER_CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
  if (name === 'WARMER_EVENTS_SECRET') env.WARMER_EVENTS_URL = 'https://crm.example/h';
  const message = problemsOf(env);
  expect(message).toContain(`${name} must be 16 characters or more`);
  expect(message).not.toContain(SHORT[name]);
  // Exactly the minimum is enough.
  expect(problemsOf({ ...env, [name]: 'x'.repeat(MIN_SECRET_LENGTH) })).toBe('');
});

test('every short secret is reported at once', () => {
  const message = problemsOf({
    ...SHORT,
    WARMER_CODEC_PORT: '8083',
    WARMER_CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    WARMER_EVENTS_URL: 'https://crm.example/h',
  });
  for (const name of Object.keys(SHORT)) expect(message).toContain(`${name} must be 16 characters or more`);
  for (const value of Object.values(SHORT)) expect(message).not.toContain(value);
});

test('a per-instance webhook secret is held to the same length, naming its instance but not its secret', () => {
  const message = problemsOf({ WEBHOOK_INSTANCE_SECRETS: 'loja-01=inst-short-6,loja-02=a-long-enough-secret-0001' });
  expect(message).toContain("WEBHOOK_INSTANCE_SECRETS (instance 'loja-01') must be 16 characters or more");
  expect(message).not.toContain('loja-02');
  expect(message).not.toContain('inst-short-6');
  expect(loadConfig({ WEBHOOK_INSTANCE_SECRETS: 'loja-02=a-long-enough-secret-0001' }).webhook.instanceSecrets).toEqual({
    'loja-02': 'a-long-enough-secret-0001',
  });
});

test('EVOLUTION_API_URL with a user or password is refused without printing the password', () => {
  const message = problemsOf({ EVOLUTION_API_URL: 'https://admin:s3cr3t-pass@evolution.example', EVOLUTION_API_KEY: 'k' });
  expect(message).toMatch(/EVOLUTION_API_URL must not carry a user or password/);
  expect(message).not.toContain('s3cr3t-pass');
  expect(loadConfig({ EVOLUTION_API_URL: 'https://evolution.example', EVOLUTION_API_KEY: 'k' }).evolution.baseUrl).toBe(
    'https://evolution.example',
  );
});
