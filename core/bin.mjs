#!/usr/bin/env node
// The `zvonok` command. Sources are TypeScript run through tsx's loader, so there is
// no build step between a checkout and a running service.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./cli.ts')
process.exitCode = await main(process.argv.slice(2))
