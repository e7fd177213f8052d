/**
 * Light, dark, or the system's setting: the choice is remembered in
 * localStorage and applied as `data-theme` on <html>, which styles.css turns
 * into colours (no inline styles: the CSP forbids them). "system" removes the
 * attribute, so `prefers-color-scheme` decides. main.tsx applies the saved
 * choice before the first paint.
 */
export type Theme = 'system' | 'light' | 'dark'

export const THEME_KEY = 'mhc.theme'

export function savedTheme (): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY)
    return t === 'light' || t === 'dark' ? t : 'system'
  } catch {
    return 'system'
  }
}

export function applyTheme (theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme
  else document.documentElement.dataset.theme = theme
  try {
    if (theme === 'system') localStorage.removeItem(THEME_KEY)
    else localStorage.setItem(THEME_KEY, theme)
  } catch {} // private windows may refuse storage: the choice then lasts this page
}
