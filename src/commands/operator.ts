/** Who runs a command, for audit records and alerts: WARMER_OPERATOR, else the login name. */
export const operatorName = (env: NodeJS.ProcessEnv) => `${env.WARMER_OPERATOR?.trim() || env.USER?.trim() || 'unknown'} (cli)`;
