import { render } from 'preact'
import { App } from './app.js'
import './styles.css'

// The remembered theme, before the first paint (the CSP allows no inline script); shell/theme.ts sets it.
try {
  const t = localStorage.getItem('mhc.theme')
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t
} catch {}

const root = document.getElementById('app')
if (root !== null) render(<App />, root)
