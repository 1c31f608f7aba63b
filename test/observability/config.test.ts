import { loadConfig } from '../../src/config';

describe('observability and console configuration', () => {
  it('defaults to info JSON logs, an SDK exporter on a free loopback port, and a loopback console', () => {
    const config = loadConfig({});
    expect(config.observability).toEqual({ logLevel: 'info', logPretty: false, sdkMetrics: 'auto' });
    expect(config.console).toEqual({
      host: '127.0.0.1',
      port: 8090,
      token: undefined,
      temporalUiUrl: 'http://localhost:8233',
      hosts: [],
      trustedProxies: [],
    });
  });

  it('reads the variables', () => {
    const config = loadConfig({
      LOG_LEVEL: 'DEBUG',
      LOG_PRETTY: 'true',
      WARMER_SDK_METRICS: '0.0.0.0:9464',
      WARMER_CONSOLE_HOST: '0.0.0.0',
      WARMER_CONSOLE_PORT: '9000',
      WARMER_CONSOLE_TOKEN: 'console-token-0123456789',
      TEMPORAL_UI_URL: 'https://ui.example/',
      WARMER_CONSOLE_HOSTS: 'Console.Example.com, ops.example:8443,[::1]:9000',
      WARMER_CONSOLE_TRUSTED_PROXIES: '10.0.0.2,::1',
    });
    expect(config.observability).toEqual({ logLevel: 'debug', logPretty: true, sdkMetrics: '0.0.0.0:9464' });
    expect(config.console).toEqual({
      host: '0.0.0.0',
      port: 9000,
      token: 'console-token-0123456789',
      temporalUiUrl: 'https://ui.example',
      hosts: ['console.example.com', 'ops.example:8443', '[::1]:9000'],
      trustedProxies: ['10.0.0.2', '::1'],
    });
  });

  it('names every bad value at once', () => {
    let message = '';
    try {
      loadConfig({
        LOG_LEVEL: 'loud',
        WARMER_SDK_METRICS: 'somewhere',
        WARMER_CONSOLE_PORT: 'x',
        WARMER_CONSOLE_HOSTS: 'ok.example,https://console.example.com/,a b',
        WARMER_CONSOLE_TRUSTED_PROXIES: 'proxy.local',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('LOG_LEVEL=loud must be one of trace, debug, info, warn, error, fatal, silent');
    expect(message).toContain('WARMER_SDK_METRICS=somewhere must be auto, off, or host:port');
    expect(message).toContain('WARMER_CONSOLE_PORT=x must be a whole number');
    expect(message).toContain("WARMER_CONSOLE_HOSTS: 'https://console.example.com/' must be a host name or host:port");
    expect(message).toContain("WARMER_CONSOLE_HOSTS: 'a b' must be a host name or host:port");
    expect(message).not.toContain("'ok.example'");
    expect(message).toContain("WARMER_CONSOLE_TRUSTED_PROXIES: 'proxy.local' must be an IP address");
  });
});
