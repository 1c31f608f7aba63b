/**
 * `npm run simulator` — TEST / DEMO ONLY. Starts the local Evolution-API-shaped messaging network.
 *
 * Env: SIMULATOR_PORT (default 8081), SIMULATOR_HOST (default 127.0.0.1), EVOLUTION_API_KEY
 * (default "simulator-key"), WEBHOOK_URL and WEBHOOK_SECRET (sent as x-warmer-secret),
 * SIMULATOR_INSTANCES ("name:phone,name:phone" to pre-create connected instances),
 * SIMULATOR_HOLD_PRESENCE=1 to hold presence calls like the real server.
 */
import { maskPhone, normalizePhone } from '../domain/phone';
import { SIM_TEST_PREFIX } from './instance-routes';
import { startSimulator } from './simulator';

const BANNER = `
+----------------------------------------------------------------------+
|  WARMER MESSAGING SIMULATOR — a TEST / DEMO tool, NEVER production.  |
|  It imitates the Evolution API v2 contract in memory; no message     |
|  ever reaches WhatsApp and nothing is persisted.                     |
+----------------------------------------------------------------------+`;

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.SIMULATOR_PORT ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be a port number, got '${env.SIMULATOR_PORT}'.`);
  }
  const apiKey = env.EVOLUTION_API_KEY || 'simulator-key';
  const webhookUrl = env.WEBHOOK_URL || undefined;
  const webhookHeaders = env.WEBHOOK_SECRET ? { 'x-warmer-secret': env.WEBHOOK_SECRET } : undefined;

  console.log(BANNER);
  const simulator = await startSimulator({
    port,
    host: env.SIMULATOR_HOST || '127.0.0.1',
    apiKey,
    webhookUrl,
    webhookHeaders,
    holdPresence: env.SIMULATOR_HOLD_PRESENCE === '1',
    log: (line) => console.log(`[simulator] ${line}`),
  });

  for (const entry of (env.SIMULATOR_INSTANCES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, phone] = entry.split(':');
    if (!name || !phone) throw new Error(`SIMULATOR_INSTANCES entry '${entry}' must be name:phone.`);
    simulator.control.addInstance(name, normalizePhone(phone));
    console.log(`[simulator] instance '${name}' owns ${maskPhone(phone)}`);
  }

  console.log(`[simulator] listening on ${simulator.url}`);
  console.log(`[simulator] api key: ${apiKey === 'simulator-key' ? 'simulator-key (default)' : '(from EVOLUTION_API_KEY)'}`);
  console.log(`[simulator] webhooks: ${webhookUrl ?? 'none (set WEBHOOK_URL or POST /webhook/set/{instance})'}`);
  console.log('[simulator] create instances with POST /instance/create {"instanceName","integration":"WHATSAPP-BAILEYS","qrcode":true}');
  console.log(`[simulator] scan a code (test/dev only): POST ${SIM_TEST_PREFIX}/scan/{instance} {"phone"} with the api key`);

  const stop = (): void => {
    console.log('[simulator] stopping');
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[simulator] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
