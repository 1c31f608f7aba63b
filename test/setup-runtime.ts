import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

// Keep test output readable: the SDK's INFO lines about worker state are noise here.
try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
} catch {
  // Already installed in this worker process by an earlier test file.
}
