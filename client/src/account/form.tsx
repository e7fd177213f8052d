/** Small form pieces the account pages share: a labelled field and a submit that shows the gateway's refusal. */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { SignerError } from '../chat/signer.js'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'

/** A refusal as a Problem: the signer's own code kept (the protocol refused the record before it was signed). */
function problemOf (err: unknown, title: string): Problem {
  if (!(err instanceof SignerError)) return toProblem(err, title)
  const plain = err.code === 'MHC_ERR_WIRE_FORMAT' ? 'Plain text only: no HTML tags, control characters or unsafe links. ' : ''
  return { title, detail: `${plain}${err.message}`, code: err.code }
}

interface FieldProps {
  id: string
  label: string
  value: string
  onInput: (v: string) => void
  type?: 'text' | 'password' | 'email'
  autoComplete?: string
  required?: boolean
  minLength?: number
  maxLength?: number
  pattern?: string
  hint?: string
}

/** A label above its input, the hint tied to it with aria-describedby. */
export function Field ({ id, label, value, onInput, type = 'text', autoComplete, required = true, minLength, maxLength, pattern, hint }: FieldProps) {
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      <input
        // Preact's typings tie attributes to one literal type at a time; all three take the same ones here.
        id={id} name={id} type={type as 'text'} value={value} required={required} autoComplete={autoComplete}
        minLength={minLength} maxLength={maxLength} pattern={pattern} spellcheck={false} autoCapitalize='none'
        aria-describedby={hint === undefined ? undefined : `${id}-hint`}
        onInput={e => onInput(e.currentTarget.value)}
      />
      {hint !== undefined && <p id={`${id}-hint`} class='hint muted'>{hint}</p>}
    </div>
  )
}

/** Runs an async action once at a time; its failure becomes a Problem shown with its code. */
export function useAction (title: string): { busy: boolean, problem: Problem | null, run: (fn: () => Promise<void>) => void, clear: () => void } {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)
  const run = (fn: () => Promise<void>): void => {
    if (busy) return
    setBusy(true)
    setProblem(null)
    fn().catch((err: unknown) => setProblem(problemOf(err, title))).finally(() => setBusy(false))
  }
  return { busy, problem, run, clear: () => setProblem(null) }
}

/** A form whose submit runs `onSubmit`, with the problem (if any) announced under it. */
export function ActionForm ({ label, busyLabel, busy, problem, onSubmit, children, testid }: {
  label: string
  busyLabel: string
  busy: boolean
  problem: Problem | null
  onSubmit: () => void
  children: ComponentChildren
  testid?: string
}) {
  return (
    <form class='form' data-testid={testid} onSubmit={e => { e.preventDefault(); onSubmit() }}>
      {children}
      <p><button type='submit' class='primary' disabled={busy}>{busy ? busyLabel : label}</button></p>
      {problem !== null && <ProblemMessage problem={problem} />}
    </form>
  )
}

/** Copy `text` to the clipboard; says whether it worked (clipboard access may be refused). */
export function CopyButton ({ text, label = 'Copy' }: { text: string, label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = (): void => {
    navigator.clipboard.writeText(text).then(() => setState('copied'), () => setState('failed'))
  }
  return (
    <>
      <button type='button' onClick={copy}>{label}</button>
      <span class='muted copy-state' role='status'>{state === 'copied' ? ' Copied.' : state === 'failed' ? ' Copying was refused: select the text and copy it yourself.' : ''}</span>
    </>
  )
}
