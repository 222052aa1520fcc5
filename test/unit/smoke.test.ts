import { afterAll, beforeAll, expect, test } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => { t = await createTestApp() })
afterAll(async () => { await t?.close() })

test('healthz and readyz', async () => {
  expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' })
  const ready = await t.app.inject('/readyz')
  expect(ready.statusCode).toBe(200)
  expect(ready.json().checks.database).toBe('ok')
})
