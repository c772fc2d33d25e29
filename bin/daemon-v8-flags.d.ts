export function missingDaemonFlags(execArgv: readonly string[], nodeOptions?: string): string[];
