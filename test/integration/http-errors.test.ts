/**
 * Garbage bodies, wrong types, huge payloads, unknown fields, bad path parameters, garbage
 * query strings and bad credentials on EVERY route answer application/problem+json 4xx and
 * never 5xx, and no answer leaks a stack trace or SQL.
 *
 * The routes come from the OpenAPI document (GET /docs/json), so a new route is probed as
 * soon as it is registered. Request bodies are derived from each route's requestBody schema.
 */
import { createHmac, randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BODY_LIMIT } from '../../core/http/app.ts'
import { ERROR_STATUS, type ErrorCode } from '../../core/http/errors.ts'
import {
  bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp,
} from '../helpers/app.ts'

// ---------------------------------------------------------------------------------------------
// JSON schema (as published in the OpenAPI document) → valid-looking and wrong values
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  enum?: Json[]
  const?: Json
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  anyOf?: Schema[]
  oneOf?: Schema[]
}

/** The first non-null branch of a union, else the schema itself. */
function main(s: Schema): Schema {
  const branches = s.anyOf ?? s.oneOf
  if (branches) return main(branches.find((b) => b.type !== 'null') ?? branches[0]!)
  return s
}

function typeOf(s: Schema): string | undefined {
  const m = main(s)
  if (Array.isArray(m.type)) return m.type.find((t) => t !== 'null')
  if (m.type) return m.type
  if (m.properties) return 'object'
  if (m.enum || m.const !== undefined) return typeof (m.enum?.[0] ?? m.const)
  return undefined
}

function allowsNull(s: Schema): boolean {
  const branches = s.anyOf ?? s.oneOf
  if (branches) return branches.some(allowsNull)
  return s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')) || (s.enum?.includes(null) ?? false)
}

/** Strings that satisfy common patterns; extend the list if a new pattern has no sample. */
const PATTERN_SAMPLES = ['08:30', '+79161234567', '123-456-789 01', '2012-03-04', 'Иванов', 'abcdef', 'ABC123', '1', 'K7M3Q-9XF2B']

function validString(s: Schema): string {
  let v: string | undefined
  switch (s.format) {
    case 'uuid': v = randomUUID(); break
    case 'date-time': v = new Date(Date.now() - 86_400_000).toISOString(); break
    case 'date': v = '2012-03-04'; break
    case 'email': v = 'ivan.petrov@example.ru'; break
    case 'uri': case 'url': v = 'https://example.ru/x'; break
    default: break
  }
  const within = (c: string) => c.length >= (s.minLength ?? 0) && c.length <= (s.maxLength ?? Infinity)
  if (v === undefined && s.pattern) {
    const re = new RegExp(s.pattern)
    v = PATTERN_SAMPLES.find((c) => re.test(c) && within(c))
    if (v === undefined) throw new Error(`no sample string for pattern ${s.pattern}: add one to PATTERN_SAMPLES`)
  }
  if (v === undefined) {
    v = 'Иванов'
    if (s.minLength && v.length < s.minLength) v = v.padEnd(s.minLength, 'x')
    if (s.maxLength !== undefined && v.length > s.maxLength) v = v.slice(0, s.maxLength)
  }
  if (s.pattern && !new RegExp(s.pattern).test(v)) throw new Error(`sample ${v} does not match ${s.pattern}`)
  return v
}

/** A value the schema accepts (every optional property included, so every field is exercised). */
function validSample(schema: Schema): Json {
  const s = main(schema)
  if (s.const !== undefined) return s.const
  if (s.enum) return s.enum[0]!
  switch (typeOf(s)) {
    case 'string': return validString(s)
    case 'integer': return Math.min(Math.max(1, s.minimum ?? 1), s.maximum ?? Infinity)
    case 'number': return Math.min(Math.max(1.5, s.minimum ?? 1.5), s.maximum ?? Infinity)
    case 'boolean': return true
    case 'array': return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => validSample(s.items ?? { type: 'string' }))
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, validSample(v)]))
    default: return 'x'
  }
}

const NESTED: Json = { nested: { deeper: [1, { x: null }] } }

/** Values of the wrong type (or otherwise invalid) for the schema. */
function wrongValues(schema: Schema): Json[] {
  const s = main(schema)
  const out: Json[] = []
  switch (typeOf(s)) {
    case 'string':
      out.push(12345, NESTED, true, ['in', 'an', 'array'])
      if (s.enum || s.format || s.pattern) out.push('zz-not-valid-zz')
      if (s.minLength) out.push('')
      break
    case 'integer': out.push('12', NESTED, true, 1.5); break
    case 'number': out.push('12', NESTED, true); break
    case 'boolean': out.push('true', 1, NESTED); break
    case 'array': {
      out.push('not-an-array', 42, NESTED)
      const badItem = s.items ? wrongValues(s.items)[0] : undefined
      if (badItem !== undefined) out.push([badItem])
      break
    }
    case 'object': out.push('not-an-object', 42, [1, 2]); break
    default: break
  }
  if (!allowsNull(schema)) out.push(null)
  return out
}

type Path = (string | number)[]
/** Every property path of an object schema, nested objects included. */
function propertyPaths(schema: Schema, prefix: Path = []): { path: Path; schema: Schema }[] {
  const s = main(schema)
  const out: { path: Path; schema: Schema }[] = []
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.push({ path: [...prefix, k], schema: v })
    if (typeOf(v) === 'object') out.push(...propertyPaths(v, [...prefix, k]))
  }
  return out
}
/** Object-typed places (the body itself and nested objects) where an unknown field can go. */
function objectPaths(schema: Schema, prefix: Path = []): Path[] {
  return typeOf(schema) === 'object'
    ? [prefix, ...propertyPaths(schema, prefix).filter((p) => typeOf(p.schema) === 'object').map((p) => p.path)]
    : []
}

function withValue(base: Json, path: Path, value: Json): Json {
  const copy = structuredClone(base) as Record<string, Json>
  let cur = copy as Record<string, Json>
  for (const k of path.slice(0, -1)) cur = cur[k as string] as Record<string, Json>
  cur[path[path.length - 1] as string] = value
  return copy
}
const at = (base: Json, path: Path): Json => path.reduce<Json>((o, k) => (o as Record<string, Json>)[k as string]!, base)

// ---------------------------------------------------------------------------------------------
// Routes from the OpenAPI document
// ---------------------------------------------------------------------------------------------

interface Route {
  readonly method: string
  readonly template: string // /v1/persons/{personId}
  readonly pathParams: string[]
  /** a valid value per path parameter: a UUID, or a sample of the parameter's pattern (a printout code) */
  readonly pathSamples: Record<string, string>
  readonly hasQuery: boolean
  readonly body: Schema | undefined
  readonly secured: boolean
  readonly label: string
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options']

interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: Schema }[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  security?: unknown[]
}

function routesOf(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Route[] {
  const routes: Route[] = []
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      if (!HTTP_METHODS.includes(m)) continue
      const params = op.parameters ?? []
      routes.push({
        method: m.toUpperCase(),
        template,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]!),
        pathSamples: Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [
          p.name, p.schema && p.schema.format !== 'uuid' && p.schema.pattern ? validString(p.schema) : randomUUID(),
        ])),
        hasQuery: params.some((p) => p.in === 'query'),
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: (op.security?.length ?? 0) > 0,
        label: `${m.toUpperCase()} ${template}`,
      })
    }
  }
  return routes
}

const fill = (template: string, values: (name: string) => string) =>
  template.replace(/\{([^}]+)\}/g, (_m, name: string) => values(name))

// ---------------------------------------------------------------------------------------------
// Probes and what each must get
// ---------------------------------------------------------------------------------------------

type Expectation =
  /** exactly this status and code; when given, every issue path starts with one of `issuePrefixes`
   * and each of `mustCover` is the prefix of some issue, and some issue message has `messageHas` */
  | { kind: 'exact'; code: ErrorCode; issuePrefixes?: string[]; mustCover?: string[]; messageHas?: string }
  /** any 4xx problem */
  | { kind: 'refused' }
  /** the request may be accepted (e.g. a body sent to a route that takes none); never 5xx */
  | { kind: 'tolerated' }

interface Probe {
  readonly name: string
  readonly payload?: string
  readonly contentType?: string
  readonly query?: string
  /** what the body-parsing layer does: rejects the bytes, or parses them and lets the schema decide */
  readonly layer: 'content' | 'shape' | 'none'
  readonly contentCode?: ErrorCode
  /** for shape probes on routes with a body schema, the expectation beyond validation_failed */
  readonly bodyIssues?: Pick<Extract<Expectation, { kind: 'exact' }>, 'issuePrefixes' | 'mustCover' | 'messageHas'>
}

const json = (v: Json) => JSON.stringify(v)
const bodyPath = (p: Path) => ['body', ...p].join('.')

function bodyProbes(route: Route): Probe[] {
  const probes: Probe[] = [
    // rejected by the content-type parser whatever the route
    { name: 'malformed JSON', payload: '{"a":', contentType: 'application/json', layer: 'content', contentCode: 'bad_request' },
    { name: 'truncated JSON object', payload: '{"login": "x", ', contentType: 'application/json', layer: 'content', contentCode: 'bad_request' },
    { name: 'empty body with content-type json', payload: '', contentType: 'application/json', layer: 'content', contentCode: 'bad_request' },
    { name: '__proto__ pollution', payload: '{"__proto__":{"isAdmin":true}}', contentType: 'application/json', layer: 'content', contentCode: 'bad_request' },
    { name: 'constructor.prototype pollution', payload: '{"constructor":{"prototype":{"isAdmin":true}}}', contentType: 'application/json', layer: 'content', contentCode: 'bad_request' },
    { name: '2 MiB body', payload: `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`, contentType: 'application/json', layer: 'content', contentCode: 'payload_too_large' },
    { name: 'content-type application/xml', payload: '<login><password>x</password></login>', contentType: 'application/xml', layer: 'content', contentCode: 'unsupported_media_type' },
    { name: 'content-type form-urlencoded', payload: 'login=a&password=b', contentType: 'application/x-www-form-urlencoded', layer: 'content', contentCode: 'unsupported_media_type' },
    { name: 'content-type multipart', payload: '--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--zz--\r\n', contentType: 'multipart/form-data; boundary=zz', layer: 'content', contentCode: 'unsupported_media_type' },
    // parsed fine; the schema decides
    { name: 'JSON array', payload: '[1,2,3]', contentType: 'application/json', layer: 'shape' },
    { name: 'JSON string', payload: '"hello"', contentType: 'application/json', layer: 'shape' },
    { name: 'JSON number', payload: '42', contentType: 'application/json', layer: 'shape' },
    { name: 'JSON 1e999', payload: '1e999', contentType: 'application/json', layer: 'shape' },
    { name: 'JSON null', payload: 'null', contentType: 'application/json', layer: 'shape' },
    { name: 'JSON true', payload: 'true', contentType: 'application/json', layer: 'shape' },
    { name: 'deeply nested arrays', payload: '['.repeat(50_000) + ']'.repeat(50_000), contentType: 'application/json', layer: 'shape' },
    { name: 'deeply nested objects', payload: '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), contentType: 'application/json', layer: 'shape' },
    { name: 'content-type text/plain', payload: '{"a":1}', contentType: 'text/plain', layer: 'shape' },
  ]
  if (!route.body) {
    probes.push({ name: 'an object with an unknown field', payload: json({ zzUnknownField: 1 }), contentType: 'application/json', layer: 'shape' })
    return probes
  }
  const schema = route.body
  const valid = validSample(schema)
  const top = Object.keys(main(schema).properties ?? {})
  const paths = propertyPaths(schema)

  // every declared property of the wrong type at once: each must be reported
  const allWrong = Object.fromEntries(top.map((k) => [k, wrongValues(main(schema).properties![k]!)[0] ?? null]))
  probes.push({
    name: 'every property of the wrong type', payload: json(allWrong), contentType: 'application/json', layer: 'shape',
    bodyIssues: { mustCover: top.map((k) => bodyPath([k])) },
  })
  // one property wrong, the rest valid: exactly that property is reported
  for (const { path, schema: ps } of paths) {
    for (const w of wrongValues(ps)) {
      probes.push({
        name: `${path.join('.')} = ${json(w).slice(0, 40)}`, payload: json(withValue(valid, path, w)),
        contentType: 'application/json', layer: 'shape',
        bodyIssues: { issuePrefixes: [bodyPath(path)], mustCover: [bodyPath(path)] },
      })
    }
  }
  // unknown fields, at the top and inside nested objects: refused, and only for that reason
  for (const op of objectPaths(schema)) {
    const target = op.length ? withValue(valid, op, { ...(at(valid, op) as Record<string, Json>), zzUnknownField: 'x' }) : { ...(valid as Record<string, Json>), zzUnknownField: 'x' }
    probes.push({
      name: `unknown field in ${op.length ? op.join('.') : 'body'}`, payload: json(target), contentType: 'application/json', layer: 'shape',
      bodyIssues: { issuePrefixes: [bodyPath(op)], messageHas: 'zzUnknownField' },
    })
  }
  // huge values under the body limit: every string and array is bounded
  for (const { path, schema: ps } of paths) {
    const t = typeOf(ps)
    let huge: Json | undefined
    if (t === 'string' && !(main(ps).maxLength! >= 600_000)) huge = 'x'.repeat(600_000)
    if (t === 'array') {
      const item = validSample(main(ps).items ?? { type: 'string' })
      const n = Math.min(20_000, Math.floor(700_000 / (json(item).length + 1)))
      if (!(main(ps).maxItems! >= n)) huge = Array.from({ length: n }, () => validSample(main(ps).items ?? { type: 'string' }))
    }
    if (huge === undefined) continue
    const payload = json(withValue(valid, path, huge))
    if (payload.length >= BODY_LIMIT) throw new Error(`oversized probe for ${path.join('.')} exceeds the body limit`)
    probes.push({
      name: `${path.join('.')} oversized`, payload, contentType: 'application/json', layer: 'shape',
      bodyIssues: { issuePrefixes: [bodyPath(path)], mustCover: [bodyPath(path)] },
    })
  }
  return probes
}

/** routes that accept application/x-www-form-urlencoded and multipart/form-data on purpose */
const FORM_ROUTES = new Set(['POST /v1/notifications/unsubscribe'])

const GARBAGE_QUERIES = [
  'limit=-1&limit=abc&offset=1e99',
  'limit=abc',
  'limit=0',
  'limit=1.5',
  'offset=1e99',
  'offset=-5',
  `limit=${'9'.repeat(5000)}`,
  'kind=not-a-kind&classId=abc',
  'kind[]=student&kind[$ne]=x',
  '__proto__=x&constructor[prototype][polluted]=1',
  '%zz=%E0%A4%A&=&&=',
  'zzUnknownParam=1',
]

function queryProbes(): Probe[] {
  return GARBAGE_QUERIES.map((q) => ({ name: `?${q.slice(0, 50)}`, query: q, layer: 'none' as const }))
}

type Variant = 'uuid' | 'abc'

function expectationFor(route: Route, probe: Probe, variant: Variant, authed: boolean): Expectation {
  if (route.secured && !authed) return { kind: 'exact', code: 'unauthorized' }
  // the email unsubscribe link takes RFC 8058's one-click body (multipart or form-encoded); its token is in the query
  if (FORM_ROUTES.has(`${route.method} ${route.template}`) &&
      (probe.contentType === 'application/x-www-form-urlencoded' || probe.contentType?.startsWith('multipart/form-data')))
    return { kind: 'exact', code: 'validation_failed' }
  if (probe.layer === 'content' && BODY_METHODS.has(route.method)) return { kind: 'exact', code: probe.contentCode! }
  if (variant === 'abc' && route.pathParams.length) return { kind: 'exact', code: 'validation_failed', issuePrefixes: ['params.'] }
  if (probe.layer === 'shape' && route.body && BODY_METHODS.has(route.method)) {
    return { kind: 'exact', code: 'validation_failed', ...(probe.bodyIssues ?? { issuePrefixes: ['body'] }) }
  }
  if (probe.query !== undefined && route.hasQuery) return { kind: 'exact', code: 'validation_failed', issuePrefixes: ['querystring'] }
  return { kind: 'tolerated' }
}

// ---------------------------------------------------------------------------------------------
// Checking a response
// ---------------------------------------------------------------------------------------------

interface ResponseLike {
  readonly statusCode: number
  readonly headers: Record<string, unknown>
  readonly body: string
}

const LEAKS: [RegExp, string][] = [
  [/\bat (?:[^\s()]+ \()?(?:file:\/\/|node:)?\/?[\w.@/\\-]+\.[cm]?[jt]s(?::\d+)+/, 'a stack trace'],
  [/node_modules|\/core\//, 'a source path'],
  [/postgres/i, '"postgres"'],
  [/select /i, '"select "'],
  [/insert /i, '"insert "'],
  [/sqlstate/i, '"sqlstate"'],
]

/** Everything wrong with a response; empty when it is fine. */
function violations(res: ResponseLike, expected: Expectation): string[] {
  const out: string[] = []
  const status = res.statusCode
  if (status >= 500) out.push(`status ${status} (5xx)`)
  for (const [re, what] of LEAKS) if (re.test(res.body)) out.push(`body leaks ${what}`)
  if (expected.kind !== 'tolerated' && !(status >= 400 && status < 500)) out.push(`status ${status}, expected 4xx`)
  if (status < 400) return out

  const ct = String(res.headers['content-type'] ?? '')
  if (!ct.startsWith('application/problem+json')) out.push(`content-type "${ct}", expected application/problem+json`)
  let p: { code?: unknown; status?: unknown; title?: unknown; issues?: { path: string; message: string }[] }
  try {
    p = JSON.parse(res.body)
  } catch {
    return [...out, 'body is not JSON']
  }
  if (typeof p !== 'object' || p === null) return [...out, 'body is not a JSON object']
  if (typeof p.code !== 'string') out.push('no string code')
  else if (ERROR_STATUS[p.code as ErrorCode] !== status) out.push(`code ${p.code} does not belong to status ${status}`)
  if (p.status !== status) out.push(`problem.status ${String(p.status)} ≠ HTTP ${status}`)
  if (typeof p.title !== 'string' || !p.title) out.push('no title')

  if (expected.kind === 'exact') {
    if (p.code !== expected.code || status !== ERROR_STATUS[expected.code]) out.push(`got ${status} ${String(p.code)}, expected ${ERROR_STATUS[expected.code]} ${expected.code}`)
    else {
      const issues = Array.isArray(p.issues) ? p.issues : []
      if (expected.issuePrefixes || expected.mustCover || expected.messageHas) {
        if (!issues.length) out.push('no issues listed')
        const stray = issues.filter((i) => expected.issuePrefixes && !expected.issuePrefixes.some((pre) => i.path.startsWith(pre)))
        if (stray.length) out.push(`issues outside ${expected.issuePrefixes!.join(', ')}: ${json(stray).slice(0, 200)}`)
        for (const c of expected.mustCover ?? []) {
          if (!issues.some((i) => i.path === c || i.path.startsWith(`${c}.`))) out.push(`no issue for ${c}: ${json(issues).slice(0, 200)}`)
        }
        if (expected.messageHas && !issues.some((i) => i.message.includes(expected.messageHas!))) out.push(`no issue names ${expected.messageHas}`)
      }
    }
  }
  return out
}

interface Finding {
  readonly label: string
  readonly problems: string[]
  readonly body: string
}

/** Findings grouped by what went wrong, a few examples each: readable even when hundreds fail. */
function report(found: Finding[]): string {
  const groups = new Map<string, Finding[]>()
  for (const f of found) {
    const key = f.problems.join('; ')
    groups.set(key, [...(groups.get(key) ?? []), f])
  }
  const lines = [...groups].map(([key, fs]) => [
    `× ${fs.length}: ${key}`,
    ...fs.slice(0, 12).map((f) => `    e.g. ${f.label.slice(0, 140)}`),
    `    body: ${fs[0]!.body.slice(0, 240)}`,
  ].join('\n'))
  return `${found.length} bad responses:\n${lines.join('\n')}`
}

function check(found: Finding[], label: string, res: ResponseLike, expected: Expectation): void {
  const problems = violations(res, expected)
  if (problems.length) found.push({ label, problems, body: res.body })
}

// ---------------------------------------------------------------------------------------------
// The app, an admin whose session is renewed when a probe ends it
// ---------------------------------------------------------------------------------------------

let t: TestApp
let schoolId: string
let routes: Route[]
let adminHeaders: Record<string, string>

async function newAdminSession(): Promise<void> {
  const admin = await createAccount(t.sql, { roles: [{ role: 'admin', schoolId }] })
  adminHeaders = bearer(await login(t.app, admin))
}
/** A probe may end the session (logout) or lock the account (compromise): start a fresh one. */
async function ensureSession(): Promise<void> {
  const me = await t.app.inject({ url: '/v1/me', headers: adminHeaders })
  if (me.statusCode !== 200) await newAdminSession()
}

beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql)
  await newAdminSession()
  const docs = await t.app.inject('/docs/json')
  expect(docs.statusCode).toBe(200)
  routes = routesOf(docs.json())
})
afterAll(async () => { await t?.close() })

interface Case {
  readonly label: string
  readonly route: Route
  readonly url: string
  readonly probe: Probe
  readonly authed: boolean
  readonly expected: Expectation
}

async function send(c: Case): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {}
  if (c.authed) Object.assign(headers, adminHeaders)
  if (c.probe.contentType) headers['content-type'] = c.probe.contentType
  return t.app.inject({
    method: c.route.method as 'GET',
    url: c.probe.query !== undefined ? `${c.url}?${c.probe.query}` : c.url,
    headers,
    ...(c.probe.payload !== undefined ? { payload: c.probe.payload } : {}),
  })
}

/**
 * Runs the cases and returns what went wrong. Cases that are refused before any handler runs
 * go in parallel batches; tolerated ones can reach a handler (and end the session), so they
 * run one by one with a live session each.
 */
async function run(cases: Case[]): Promise<{ found: Finding[]; sent: number }> {
  const found: Finding[] = []
  const record = (c: Case, res: LightMyRequestResponse) => check(found, c.label, res, c.expected)
  const strict = cases.filter((c) => c.expected.kind !== 'tolerated')
  const loose = cases.filter((c) => c.expected.kind === 'tolerated')
  for (let i = 0; i < strict.length; i += 24) {
    const batch = strict.slice(i, i + 24)
    const res = await Promise.all(batch.map(send))
    batch.forEach((c, j) => record(c, res[j]!))
  }
  for (const c of loose) {
    if (c.authed) await ensureSession()
    record(c, await send(c))
  }
  await ensureSession()
  return { found, sent: cases.length }
}

function casesFor(route: Route, probes: Probe[], variant: Variant): Case[] {
  if (variant === 'abc' && !route.pathParams.length) return []
  const out: Case[] = []
  for (const authed of [true, false]) {
    for (const probe of probes) {
      const url = fill(route.template, (name) => (variant === 'abc' ? 'abc' : route.pathSamples[name] ?? randomUUID()))
      out.push({
        label: `${authed ? 'admin' : 'anonymous'} ${route.label} [${variant}] ${probe.name}`,
        route, url, probe, authed, expected: expectationFor(route, probe, variant, authed),
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------

describe('the checker', () => {
  const problem = (status: number, code: string, extra: object = {}) => ({
    statusCode: status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: json({ type: 'x', title: 'T', status, code, ...extra } as Json),
  })

  test('accepts a proper problem and flags every kind of bad answer', () => {
    expect(violations(problem(400, 'validation_failed'), { kind: 'refused' })).toEqual([])
    expect(violations({ statusCode: 200, headers: {}, body: '{}' }, { kind: 'tolerated' })).toEqual([])
    expect(violations({ statusCode: 200, headers: {}, body: '{}' }, { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(500, 'internal'), { kind: 'tolerated' })).not.toEqual([])
    expect(violations({ ...problem(400, 'bad_request'), headers: { 'content-type': 'application/json' } }, { kind: 'refused' })).not.toEqual([])
    expect(violations({ ...problem(400, 'bad_request'), body: json({ code: 'bad_request', status: 400 }) }, { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(404, 'bad_request'), { kind: 'refused' })).not.toEqual([]) // code of another status
    expect(violations({ ...problem(400, 'bad_request'), body: json({ type: 'x', title: 'T', status: 422, code: 'bad_request' }) }, { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(400, 'bad_request', { detail: 'Error\n    at handler (/work/main/core/x.ts:1:2)' }), { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(400, 'bad_request', { detail: 'at file:///srv/app/node_modules/postgres/src/connection.js:815:30' }), { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(409, 'conflict', { detail: 'duplicate key: SELECT id FROM accounts' }), { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(400, 'validation_failed', { detail: 'SQLSTATE 22P02' }), { kind: 'refused' })).not.toEqual([])
    expect(violations(problem(401, 'unauthorized'), { kind: 'exact', code: 'validation_failed' })).not.toEqual([])
    expect(violations(problem(400, 'validation_failed', { issues: [{ path: 'body.a', message: 'm' }] }),
      { kind: 'exact', code: 'validation_failed', issuePrefixes: ['body.b'] })).not.toEqual([])
    expect(violations(problem(400, 'validation_failed', { issues: [{ path: 'body.a', message: 'm' }] }),
      { kind: 'exact', code: 'validation_failed', mustCover: ['body.a', 'body.b'] })).not.toEqual([])
    expect(violations(problem(400, 'validation_failed', { issues: [{ path: 'body', message: 'Unrecognized key: "zz"' }] }),
      { kind: 'exact', code: 'validation_failed', issuePrefixes: ['body'], messageHas: 'zz' })).toEqual([])
  })

  test('the sample generator produces values its own schema accepts and wrong values it refuses', () => {
    const s: Schema = {
      type: 'object', additionalProperties: false, required: ['a'],
      properties: { a: { type: 'string', format: 'uuid' }, b: { type: 'integer', minimum: 5 }, c: { type: 'array', items: { type: 'string', enum: ['x'] } } },
    }
    const v = validSample(s) as Record<string, Json>
    expect(v.a).toMatch(/^[0-9a-f-]{36}$/)
    expect(v.b).toBe(5)
    expect(v.c).toEqual(['x'])
    expect(wrongValues({ type: 'string' })).toContain(12345)
    expect(wrongValues({ type: 'integer' })).toContain('12')
    expect(wrongValues({ type: 'string' })).toContainEqual(NESTED)
  })
})

describe('every route from the OpenAPI document', () => {
  test('the document lists the API, with bodies, path and query parameters to probe', () => {
    expect(routes.length).toBeGreaterThanOrEqual(10)
    expect(routes.map((r) => r.label)).toContain('POST /v1/auth/login')
    expect(routes.some((r) => r.body)).toBe(true)
    expect(routes.some((r) => r.pathParams.length)).toBe(true)
    expect(routes.some((r) => r.hasQuery)).toBe(true)
    expect(routes.some((r) => r.secured)).toBe(true)
    for (const r of routes) expect(r.template, r.label).toMatch(/^\/v1\//)
  })

  test('garbage, wrongly typed, unknown-field and huge bodies: problem+json 4xx, never 5xx', async () => {
    const cases = routes.flatMap((r) => casesFor(r, bodyProbes(r), 'uuid'))
    const { found, sent } = await run(cases)
    expect(sent).toBeGreaterThan(500)
    expect(found.length, report(found)).toBe(0)
  })

  test("path parameters that are not UUIDs ('abc'): 400 validation_failed on params", async () => {
    const cases = routes.flatMap((r) => casesFor(r, [...bodyProbes(r), ...queryProbes(), { name: 'no body', layer: 'none' }], 'abc'))
    const { found, sent } = await run(cases)
    expect(sent).toBeGreaterThan(100)
    expect(found.length, report(found)).toBe(0)
  })

  test('garbage query strings: problem+json 4xx where the route reads the query, never 5xx anywhere', async () => {
    const cases = routes.flatMap((r) => casesFor(r, queryProbes().map((p) => (
      // a route with both a body and a query gets a valid body, so that only the query is at fault
      r.body && r.hasQuery ? { ...p, payload: json(validSample(r.body)), contentType: 'application/json' } : p
    )), 'uuid'))
    const { found } = await run(cases)
    expect(cases.filter((c) => c.expected.kind === 'exact' && c.authed && c.route.hasQuery).length).toBeGreaterThan(0)
    expect(found.length, report(found)).toBe(0)
  })

  test('odd path parameter values (bad percent-encoding, NUL, traversal, very long): problem+json 4xx', async () => {
    const odd = ['%zz', '%', '%00', '..%2F..%2Fetc%2Fpasswd', "1'%20or%20'1'%3D'1", 'a'.repeat(5000), encodeURIComponent('😀')]
    const cases: Case[] = []
    for (const route of routes.filter((r) => r.pathParams.length)) {
      for (const value of odd) {
        for (const authed of [true, false]) {
          cases.push({
            label: `${authed ? 'admin' : 'anonymous'} ${route.label} [${value.slice(0, 24)}]`,
            route, url: fill(route.template, () => value), probe: { name: 'no body', layer: 'none' }, authed,
            expected: { kind: 'refused' },
          })
        }
      }
    }
    expect(cases.length).toBeGreaterThan(0)
    const { found } = await run(cases)
    expect(found.length, report(found)).toBe(0)
  })

  test('missing, malformed, forged and expired credentials: 401 unauthorized on every secured route', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const jwt = (payload: object, secret: string, alg = 'HS256') => {
      const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
      const hmac = alg === 'HS512' ? 'sha512' : 'sha256'
      return `${head}.${createHmac(hmac, secret).update(head).digest('base64url')}`
    }
    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: randomUUID(), sid: randomUUID(), iat: now, exp: now + 600, iss: 'zvonok' }
    const secret = t.config.jwtSecret
    const auths: [string, string | undefined][] = [
      ['none', undefined],
      ['empty', ''],
      ['Bearer only', 'Bearer'],
      ['Bearer garbage', 'Bearer garbage'],
      ['Basic', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
      ['very long bearer', `Bearer ${'a'.repeat(8000)}`],
      ['bearer with a space', 'Bearer a b'],
      ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
      ['signed with another secret', `Bearer ${jwt(claims, 'another-secret-another-secret-another')}`],
      ['HS512 with the real secret', `Bearer ${jwt(claims, secret, 'HS512')}`],
      ['wrong issuer', `Bearer ${jwt({ ...claims, iss: 'evil' }, secret)}`],
      ['expired', `Bearer ${jwt({ ...claims, iat: now - 7200, exp: now - 3600 }, secret)}`],
      ['valid signature, no such session', `Bearer ${jwt(claims, secret)}`],
      ['valid signature, no claims', `Bearer ${jwt({ iat: now, exp: now + 600, iss: 'zvonok' }, secret)}`],
    ]
    const found: Finding[] = []
    const secured = routes.filter((r) => r.secured)
    expect(secured.length).toBeGreaterThan(0)
    const res = await Promise.all(secured.flatMap((route) => auths.map(async ([name, value]) => {
      const r = await t.app.inject({
        method: route.method as 'GET', url: fill(route.template, () => randomUUID()),
        headers: value === undefined ? {} : { authorization: value },
      })
      check(found, `${route.label} [${name}]`, r, { kind: 'exact', code: 'unauthorized' })
    })))
    expect(res.length).toBe(secured.length * auths.length)
    expect(found.length, report(found)).toBe(0)
  })

  test('hostile but well-typed strings (NUL, lone surrogate, SQL, templates) that reach the database: never 5xx', async () => {
    // records that exist, so that handlers go as far as they can: a student with a guardian and a consent
    const studentId = await createPerson(t.sql, schoolId, 'student')
    const guardianId = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [studentId] })
    const victim = await createAccount(t.sql, { roles: [{ role: 'teacher', schoolId }] })
    const consent = await t.app.inject({
      method: 'POST', url: `/v1/persons/${studentId}/consents`, headers: adminHeaders,
      payload: { givenByPersonId: guardianId, givenAt: new Date(Date.now() - 60_000).toISOString() },
    })
    expect(consent.statusCode, consent.body).toBe(201)
    /** an existing id for a parameter or field of this name, if there is one */
    const knownId = (name: string): string | undefined =>
      /^schoolId$/.test(name) ? schoolId
        : /^accountId$/.test(name) ? victim.accountId
          : /^guardianId$/.test(name) ? guardianId
            : /(^|[a-z])(P|p)ersonId$|^studentId$/.test(name) ? studentId : undefined
    const withKnownIds = (schema: Schema, v: Json): Json => {
      const m = main(schema)
      if (typeOf(m) !== 'object' || typeof v !== 'object' || v === null || Array.isArray(v)) return v
      return Object.fromEntries(Object.entries(v).map(([k, x]) => {
        const ps = m.properties?.[k]
        if (!ps) return [k, x]
        const id = main(ps).format === 'uuid' ? knownId(k) : undefined
        return [k, id ?? withKnownIds(ps, x)]
      }))
    }
    /** required properties only, plus whatever lies on `keep` */
    const minimal = (schema: Schema, keep: Path): Json => {
      const m = main(schema)
      const names = new Set([...(m.required ?? []), ...(keep.length ? [keep[0] as string] : [])])
      return Object.fromEntries([...names].map((k) => {
        const ps = m.properties![k]!
        return [k, typeOf(ps) === 'object' ? minimal(ps, k === keep[0] ? keep.slice(1) : []) : validSample(ps)]
      }))
    }

    const hostile = ['nul\u0000byte', 'lone\ud800surrogate', "x'); drop table accounts; --", '{{constructor.constructor("return 1")()}}']
    const cases: Case[] = []
    for (const route of routes.filter((r) => r.body)) {
      const schema = route.body!
      for (const { path, schema: ps } of propertyPaths(schema)) {
        const s = main(ps)
        if (typeOf(s) !== 'string' || s.enum || s.format || s.pattern) continue // free text only
        // every field filled, and only the required ones (optional ids that do not exist stop a handler early)
        const bases = new Map([validSample(schema), minimal(schema, path)].map((b) => {
          const v = withKnownIds(schema, b)
          return [json(v), v]
        }))
        for (const [i, base] of [...bases.values()].entries()) {
          for (const h of hostile) {
            cases.push({
              label: `admin ${route.label} ${path.join('.')}=${JSON.stringify(h)}${i ? ' (required fields only)' : ''}`,
              route, url: fill(route.template, (n) => knownId(n) ?? randomUUID()),
              probe: { name: 'hostile', layer: 'shape', payload: json(withValue(base, path, h)), contentType: 'application/json' },
              authed: true, expected: { kind: 'tolerated' },
            })
          }
        }
      }
    }
    expect(cases.length).toBeGreaterThan(20)
    const { found } = await run(cases)
    expect(found.length, report(found)).toBe(0)
  })

  test('wrong methods on known paths: 404/405 problem+json', async () => {
    const found: Finding[] = []
    const byPath = new Map<string, Route[]>()
    for (const r of routes) byPath.set(r.template, [...(byPath.get(r.template) ?? []), r])
    const cases: Promise<void>[] = []
    for (const [template, rs] of byPath) {
      const declared = new Set(rs.map((r) => r.method))
      for (const method of HTTP_METHODS.map((m) => m.toUpperCase()).filter((m) => !declared.has(m))) {
        for (const authed of [true, false]) {
          cases.push((async () => {
            const res = await t.app.inject({
              method: method as 'GET', url: fill(template, () => randomUUID()),
              headers: { ...(authed ? adminHeaders : {}), 'content-type': 'application/json' },
              ...(BODY_METHODS.has(method) ? { payload: '{"a":1}' } : {}),
            })
            const label = `${authed ? 'admin' : 'anonymous'} ${method} ${template}`
            const problems = violations(res, { kind: 'refused' })
            if (![404, 405].includes(res.statusCode)) problems.push(`status ${res.statusCode}, expected 404 or 405`)
            if (problems.length) found.push({ label, problems, body: res.body })
          })())
        }
      }
    }
    await Promise.all(cases)
    expect(cases.length).toBeGreaterThan(20)
    expect(found.length, report(found)).toBe(0)
  })

  test('unknown routes: 404 not_found problem, with or without credentials', async () => {
    const id = randomUUID()
    const urls = [
      '/nope', '/v1/nope', '/v2/me', '/v1/me/extra', '/v1/schools', `/v1/schools/${id}/nope`, `/v1/persons/${id}/sensitive/x`,
      '/v1/auth', '/.env', '/wp-login.php', '/v1/../../etc/passwd', `/v1/nope?limit=-1&limit=abc&offset=1e99`,
    ]
    const found: Finding[] = []
    await Promise.all(urls.flatMap((url) => ['GET', 'POST', 'PUT', 'DELETE'].flatMap((method) => [true, false].map(async (authed) => {
      const headers: Record<string, string> = { ...(authed ? adminHeaders : {}) }
      if (method !== 'GET') headers['content-type'] = 'application/json'
      const res = await t.app.inject({ method: method as 'GET', url, headers, ...(method === 'GET' ? {} : { payload: '{"a":1}' }) })
      const label = `${authed ? 'admin' : 'anonymous'} ${method} ${url}`
      check(found, label, res, { kind: 'exact', code: 'not_found' })
    }))))
    // a garbage body to an unknown route is refused too, whichever refusal comes first
    await Promise.all(['{"a":', `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`, '<a/>'].map(async (payload, i) => {
      const res = await t.app.inject({
        method: 'POST', url: '/v1/nope', payload, headers: { 'content-type': i === 2 ? 'application/xml' : 'application/json' },
      })
      check(found, `POST /v1/nope with garbage body #${i}`, res, { kind: 'refused' })
    }))
    expect(found.length, report(found)).toBe(0)
  })

  test('malformed URLs (bad percent-encoding): problem+json 4xx', async () => {
    const found: Finding[] = []
    for (const url of ['/%', '/v1/%zz', '/v1/me%', '/v1/persons/%E0%A4%A']) {
      const res = await t.app.inject({ url, headers: adminHeaders })
      check(found, `GET ${url}`, res, { kind: 'refused' })
    }
    expect(found.length, report(found)).toBe(0)
  })
})
