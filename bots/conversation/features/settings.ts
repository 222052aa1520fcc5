/** (stub, filled in by its owner) */
import type { Feature } from '../types.ts'

export const settings: Feature = { name: 'settings' }
