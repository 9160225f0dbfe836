/**
 * HTTP trigger routes as the Functions host reads them: `route` templates with `{param}`,
 * optional `{param?}`, catch-all `{*rest}` and constraints (`{id:int}`), below a route prefix.
 * Constraints are treated leniently: a few common ones are checked, unknown ones accept anything.
 */
import type { FunctionRegistration } from './types';

export interface HttpRoute {
  functionName: string;
  template: string;
  /** Upper-case methods; empty means every method. */
  methods: string[];
  authLevel: string;
}

export interface RouteMatch {
  route: HttpRoute;
  params: Record<string, string>;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; catchAll: boolean; constraints: string[] };

interface CompiledRoute {
  route: HttpRoute;
  segments: Segment[];
  literalCount: number;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  alpha: /^[a-z]+$/i,
};

export function httpRoutesOf(registrations: FunctionRegistration[]): HttpRoute[] {
  return registrations
    .filter((r) => r.trigger.type.toLowerCase() === 'httptrigger')
    .map((r) => ({
      functionName: r.name,
      // Without a route the function is served under its own name, as in Azure.
      template: typeof r.trigger.route === 'string' && r.trigger.route !== '' ? r.trigger.route : r.name,
      methods: Array.isArray(r.trigger.methods) ? r.trigger.methods.map((m) => String(m).toUpperCase()) : [],
      authLevel: typeof r.trigger.authLevel === 'string' ? r.trigger.authLevel : 'function',
    }));
}

export interface RouteTable {
  /** Every route whose template matches the path, most specific first. */
  match(path: string): RouteMatch[];
}

export function createRouteTable(routes: HttpRoute[]): RouteTable {
  const compiled = routes.map(compileRoute);
  return {
    match(path) {
      const parts = splitPath(path);
      const found: Array<RouteMatch & { literalCount: number }> = [];
      for (const c of compiled) {
        const params = matchSegments(c.segments, parts);
        if (params) found.push({ route: c.route, params, literalCount: c.literalCount });
      }
      // Literal segments win over parameters, as in ASP.NET routing ("offers/export" before "offers/{id}").
      return found
        .sort((a, b) => b.literalCount - a.literalCount)
        .map(({ route, params }) => ({ route, params }));
    },
  };
}

function compileRoute(route: HttpRoute): CompiledRoute {
  const segments = splitPath(route.template).map(parseSegment);
  return { route, segments, literalCount: segments.filter((s) => s.kind === 'literal').length };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function parseSegment(text: string): Segment {
  const param = /^\{(\*{0,2})([^:?}=]+)((?::[^:?}=]+(?:\([^)]*\))?)*)(=[^}]*)?(\?)?\}$/.exec(text);
  if (!param) return { kind: 'literal', text: text.toLowerCase() };
  const [, star, name = '', constraintText = '', defaultValue, optional] = param;
  const constraints = constraintText
    .split(':')
    .filter((c) => c !== '')
    .map((c) => c.replace(/\(.*\)$/, '').toLowerCase());
  return {
    kind: 'param',
    name,
    optional: optional === '?' || defaultValue !== undefined,
    catchAll: star !== '',
    constraints,
  };
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    const part = parts[i];
    if (segment.kind === 'literal') {
      if (part === undefined || decode(part).toLowerCase() !== segment.text) return undefined;
      continue;
    }
    if (segment.catchAll) {
      const rest = parts.slice(i).map(decode).join('/');
      if (rest !== '') params[segment.name] = rest;
      return params;
    }
    if (part === undefined) {
      if (!segment.optional) return undefined;
      continue;
    }
    const value = decode(part);
    if (!satisfies(value, segment.constraints)) return undefined;
    params[segment.name] = value;
  }
  return parts.length <= segments.length ? params : undefined;
}

function satisfies(value: string, constraints: string[]): boolean {
  return constraints.every((c) => CONSTRAINTS[c]?.test(value) ?? true);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
