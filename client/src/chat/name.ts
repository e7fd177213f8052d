/** The display name the viewer chose, in localStorage (the page's; the worker has none). */
const NAME_ITEM = 'mhc.chat.name'

export function savedName (): string {
  try {
    return localStorage.getItem(NAME_ITEM) ?? ''
  } catch {
    return ''
  }
}

export function saveName (name: string): void {
  try {
    localStorage.setItem(NAME_ITEM, name)
  } catch {} // storage refused: the name lasts as long as the page
}
