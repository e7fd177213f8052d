/**
 * Shared benchmark plumbing: flags with env fallbacks, one JSON line per
 * case on stdout (STYLE.md §10), a readable table on stderr.
 */
import { execFileSync } from 'node:child_process'

export interface Sample { mean: number, p50: number, p99: number, min: number, samples: number }

export function stats (values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, p50: at(0.5), p99: at(0.99), min: sorted[0] ?? Number.NaN, samples: values.length }
}

/** `--name value` from argv, else `ENV_NAME`, else the default; every value used is printed. */
export function flag (name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`]
  const v = raw === undefined ? fallback : Number(raw)
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`)
  process.stderr.write(`${name}=${v}\n`)
  return v
}

/** Like `flag()` for a text value (`--connections 1,16,64`, `--rendition 720p`); printed too. */
export function textFlag (name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  const v = (i >= 0 ? process.argv[i + 1] : process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`]) ?? fallback
  if (v.length === 0 || v.startsWith('--')) throw new Error(`--${name} needs a value`)
  process.stderr.write(`${name}=${v}\n`)
  return v
}

let commit: string | undefined
function gitCommit (): string {
  if (commit === undefined) {
    try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim() } catch { commit = 'unknown' }
  }
  return commit
}

export function emit (bench: string, kase: string, metric: string, unit: string, s: Sample | { mean: number }, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ bench, case: kase, metric, unit, ...s, node: process.version, commit: gitCommit(), ...extra }) + '\n')
  const fmt = (n: number | undefined): string => n === undefined ? '' : n.toFixed(3)
  process.stderr.write(`${bench.padEnd(10)} ${kase.padEnd(28)} ${metric.padEnd(12)} mean ${fmt(s.mean)} ${unit}${'p50' in s ? `  p50 ${fmt(s.p50)}` : ''}\n`)
}

/** Run a benchmark's main(): its return value is the exit code; a throw cleans up and exits 1. */
export async function runBench (main: () => Promise<number>, cleanupSync: () => void): Promise<void> {
  try {
    process.exitCode = await main()
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
    cleanupSync()
    process.exitCode = 1
  }
}
