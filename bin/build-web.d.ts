export function buildWeb(options?: { ifStale?: boolean; quiet?: boolean }): Promise<boolean>;
