/**
 * Who `star serve` answers. A server on loopback is reachable from every web page the machine's
 * browser opens: a page may POST to it (a `text/plain` body needs no CORS preflight), or point a name
 * of its own at 127.0.0.1 (DNS rebinding) and read the answers. So a request must name the server by
 * the address it is bound to in `Host`, and a browser's request (it carries `Origin`, which other
 * clients do not send) is refused unless the server checks an API key, which a page cannot know.
 */
import { isIP } from 'node:net';

export interface GuardSettings {
  /** The address given to listen (`127.0.0.1`, `::1`, `localhost`, an interface address, `0.0.0.0`). */
  boundHost: string;
  port: number;
  hasApiKey: boolean;
}

export interface Refusal {
  status: number;
  message: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const ALL_INTERFACES = ['0.0.0.0', '::', ''];

/** Whether listening on `host` serves this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.includes(host) || /^127\./.test(host) || host === '[::1]';
}

/** `Host: name[:port]` split; IPv6 literals come in brackets. */
function hostName(header: string): { name: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(header) ?? /^([^:]+)(?::(\d+))?$/.exec(header);
  if (!m) return { name: header };
  return { name: m[1]!.toLowerCase(), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** The names a request may give in `Host`, or undefined when any will do (bound to every interface). */
function acceptedNames(boundHost: string): string[] | undefined {
  if (ALL_INTERFACES.includes(boundHost)) return undefined;
  if (isLoopback(boundHost)) return [...LOOPBACK_NAMES, boundHost];
  return [boundHost.toLowerCase(), boundHost.replace(/^\[|\]$/g, '').toLowerCase()];
}

/** Why a request is refused, or undefined when it may go on (to the API key check, when there is one). */
export function refusal(headers: { host?: string; origin?: string }, settings: GuardSettings): Refusal | undefined {
  const names = acceptedNames(settings.boundHost);
  if (names) {
    const given = headers.host === undefined ? undefined : hostName(headers.host);
    const known = given !== undefined && names.includes(given.name) && (given.port === undefined || given.port === settings.port);
    if (!known) {
      return {
        status: 403,
        message:
          `Host ${headers.host ?? '(none)'} is not this server's address (${settings.boundHost}:${settings.port}): ` +
          `requests must be sent to http://${isIP(settings.boundHost) === 6 ? `[${settings.boundHost}]` : settings.boundHost}:${settings.port}/v1`,
      };
    }
  }
  if (headers.origin !== undefined && !settings.hasApiKey) {
    return {
      status: 403,
      message:
        'a browser request (it sent Origin) to a server without an API key: any web page could use this model; start star serve with --api-key-env VAR and send Authorization: Bearer <key>',
    };
  }
  return undefined;
}
