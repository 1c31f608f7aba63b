/**
 * `warmer` — the operator's command line (bin/warmer.js runs this file through tsx).
 *   npx warmer --help
 */
import { runCli } from './commands/program';

export { runCli } from './commands/program';

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    // Open handles (gRPC, HTTP keep-alive) must not hold the command line.
    process.exit(code);
  });
}
