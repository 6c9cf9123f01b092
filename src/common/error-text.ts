/**
 * A core error as a VS Code user reads it: the core's sentence, then which setting or command
 * carries out the fix it proposes. The core reports the facts (which host, what to change) and
 * names no VS Code setting; this is where they get their VS Code names.
 */
import type { Remedy } from '../core/index';
import { SECTION } from './setting-names';

/** The VS Code way to apply a fix the core proposes. */
export function remedyAdvice(remedy: Remedy | undefined): string | undefined {
  switch (remedy?.kind) {
    case 'treat-as-insecure':
      return `Mark Insecure adds ${remedy.host} to ${SECTION}.insecureRegistries.`;
    case 'add-resolve-rule':
      return `Resolve rules go in ${SECTION}.resolveRules.`;
    case 'allow-more-time':
      return `If the registry is just slow, raise ${SECTION}.requestTimeout: the time allowed for a response body grows with it.`;
    case 'name-repositories':
      return `List them in the registry's "repositories" in ${SECTION}.registries.`;
    case 'log-in':
      return `Log In… on the registry's row keeps a login in VS Code.`;
    case 'proxy-login':
      return `The proxy comes from ${remedy.source}: put its user and password in the proxy URL (http://user:password@host:port), or set http.proxyAuthorization.`;
    case 'bypass-proxy':
      return `To reach ${remedy.host} without the proxy (from ${remedy.source}), add it to http.noProxy, or give its registry "proxy": "none" in ${SECTION}.registries.`;
    case 'check-proxy':
      return `The proxy comes from ${remedy.source}: fix it there, or reach ${remedy.host} without it (http.noProxy, or "proxy": "none" on its registry in ${SECTION}.registries).`;
    case 'trust-proxy':
      return `The proxy comes from ${remedy.source}: http.proxyStrictSSL set to false skips the check of its certificate (its own traffic is then not verified); or reach ${remedy.host} without it (http.noProxy, or "proxy": "none" on its registry in ${SECTION}.registries).`;
    case 'grant-scopes':
      return `Log In… on the registry's row signs in again; grant ${remedy.scopes.join(', ')} when asked (or create a token with ${remedy.scopes.length > 1 ? 'them' : 'it'}).`;
    case 'run-command':
      return `Log In… on the registry's row offers to copy the command or run it in a terminal.`;
    default:
      return undefined;
  }
}

/** An error's message with the VS Code way to apply its fix, when it proposes one. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const advice = remedyAdvice((err as { remedy?: Remedy } | undefined)?.remedy);
  return advice ? `${message} ${advice}` : message;
}
